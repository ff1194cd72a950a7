/** `npm run bench`: every benchmark in turn, each printing its figures next to its targets. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const benches = ['election', 'clock', 'renderer-clock', 'chunks', 'swarm', 'sync', 'live'];
const only = process.argv.slice(2);
let failed = 0;
for (const name of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  const file = path.join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    console.log(`\n## ${name}: no benchmark yet\n`);
    continue;
  }
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`(${name} benchmark exited with ${result.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
