// A node:test reporter that says how long each test file took, as each one ends (wall time
// from its first event to its summary; files overlap under --test-concurrency), and all of
// them slowest first at the end: the suite's time budget is spent file by file, and this says
// where. Each line is written as its file ends because --test-force-exit may stop the run
// before a reporter's last words. Plain JavaScript: reporters load before tsx's loader applies.
import process from 'node:process';

export default async function* fileTimes(source) {
  const started = new Map();
  const rows = [];
  const relative = (file) => file.replace(`${process.cwd()}/`, '');
  for await (const event of source) {
    const file = event.data?.file;
    if (file && !started.has(file)) started.set(file, Date.now());
    if (event.type !== 'test:summary') continue;
    if (file) {
      const seconds = (Date.now() - started.get(file)) / 1000;
      const { passed = 0, failed = 0 } = event.data.counts ?? {};
      rows.push({ file: relative(file), seconds });
      yield `::: file ${seconds.toFixed(1).padStart(6)} s  ${relative(file)} (${passed} passed${failed ? `, ${failed} failed` : ''})\n`;
    } else {
      rows.sort((a, b) => b.seconds - a.seconds);
      yield `\n::: time per test file, slowest first\n${rows.map((r) => `${r.seconds.toFixed(1).padStart(7)} s  ${r.file}`).join('\n')}\n`;
    }
  }
}
