#!/usr/bin/env node
// The headless peer, from the built bundle (`npm run build` makes out/main/headless.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../out/main/headless.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('firefly-peer: not built yet; run `npm run build` first (or use `npm run peer`).\n');
  process.exit(1);
}
const { runCli } = await import(bundle);
await runCli(process.argv.slice(2));
