#!/usr/bin/env node
// The headless peer, from the built bundle (`npm run build` makes out/main/headless.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The native and WebAssembly parts are built for Node 24; older Node versions crash in them.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `firefly-peer: needs Node 24 or later, this is Node ${process.versions.node} (use \`npx firefly-peer\` or \`npm run peer\` in the project, which bring their own).\n`,
  );
  process.exit(1);
}

const bundle = fileURLToPath(new URL('../out/main/headless.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('firefly-peer: not built yet; run `npm run build` first (or use `npm run peer`).\n');
  process.exit(1);
}
const { runCli } = await import(bundle);
await runCli(process.argv.slice(2));
