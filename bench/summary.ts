// `npm run bench:summary [-- bench/results/<stamp>.json]`: summary.md re-rendered from a result
// already measured (the newest by default), so the table's wording can change without a new run.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ApiLatency } from './api-load';
import { summaryMarkdown, type ChangeBatch, type Row } from './table';

const resultsDir = join(import.meta.dirname, 'results');
const file = process.argv[2] ?? join(resultsDir, readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort().at(-1) ?? '');
// Results from before the change-plan row have no `changes`.
const result = JSON.parse(readFileSync(file, 'utf8')) as { rows: Row[]; api: ApiLatency[]; changes?: ChangeBatch[] };
// The file is named after the moment the run began: 2026-11-25T02-24-04-522Z.
const measuredAt = basename(file, '.json').replace(/T(\d\d)-(\d\d)-(\d\d)-(\d+)Z$/, 'T$1:$2:$3.$4Z');
writeFileSync(join(resultsDir, 'summary.md'), summaryMarkdown(result.rows, result.api, measuredAt, result.changes));
process.stdout.write(`summary.md re-rendered from ${basename(file)}\n`);
