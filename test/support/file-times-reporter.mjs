// A node:test reporter that prints, at the end of the run, how long each test file took from its
// first test's start to its last test's end (wall time, files overlapping under --test-concurrency),
// slowest first: the suite's time budget is spent file by file, and this says where.
// Plain JavaScript: reporters load before tsx's loader applies.
import process from 'node:process';
export default async function* fileTimes(source) {
  const files = new Map();
  const seen = (file) => {
    if (!file) return undefined;
    let entry = files.get(file);
    if (!entry) files.set(file, (entry = { start: Date.now(), end: Date.now(), tests: 0, failed: 0 }));
    return entry;
  };
  for await (const event of source) {
    seen(event.data?.file);
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const entry = seen(event.data.file);
      if (!entry || event.data.details?.type === 'suite') continue;
      entry.end = Date.now();
      entry.tests += 1;
      if (event.type === 'test:fail') entry.failed += 1;
    }
  }
  const rows = [...files].map(([file, e]) => ({ file: file.replace(`${process.cwd()}/`, ''), seconds: (e.end - e.start) / 1000, ...e }));
  rows.sort((a, b) => b.seconds - a.seconds);
  yield '\n::: time per test file (wall, first start to last end)\n';
  for (const row of rows) yield `${row.seconds.toFixed(1).padStart(7)} s  ${String(row.tests).padStart(3)} tests${row.failed ? ` (${row.failed} failed)` : ''}  ${row.file}\n`;
}
