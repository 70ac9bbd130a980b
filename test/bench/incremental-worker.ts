// One run of `npm run bench -- incremental` in a process of its own (incremental-bench.ts
// starts it on the product's Node with the chart's heap flags): progress on stderr, the
// figures as JSON on stdout.
import { measureIncremental } from './incremental-bench.js';

const [endpoints, changes] = process.argv.slice(2).map(Number);
if (!Number.isInteger(endpoints) || !Number.isInteger(changes)) {
  process.stderr.write('usage: incremental-worker.js ENDPOINTS CHANGES\n');
  process.exit(2);
}
const sample = await measureIncremental({
  endpoints: endpoints as number,
  changes: changes as number,
  log: (line) => process.stderr.write(`[bench] ${line}\n`),
});
process.stdout.write(JSON.stringify(sample));
