// `npm run bench`: every benchmark in turn, each in its own process so one's heap and caches don't
// colour the next. Each prints its own figures. BENCH_MS shortens or lengthens the timed runs.
import { spawnSync } from 'node:child_process';

const steps = ['decode.js', 'insert.js', 'query.js', 'ingest.js'];
let failed = 0;
for (const step of steps) {
  console.log(`\n== bench/${step}`);
  const r = spawnSync(process.execPath, ['--expose-gc', `bench/${step}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
