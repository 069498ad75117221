// A node:test reporter that says how long each test file took, as each one ends: the file's
// own duration as its process reports it (hooks included) and the sum of its top-level tests.
// (A file's events reach the reporter in one burst when it ends, so wall clocks read here would
// say nothing.) Then all of them, slowest first: the suite's time budget is spent file by file.
// Each line is written as its file ends, so a run cut short still shows the files it finished. Plain JavaScript: reporters load before tsx's loader applies.
import process from 'node:process';

export default async function* fileTimes(source) {
  const testSeconds = new Map();
  const rows = [];
  const relative = (file) => file.replace(`${process.cwd()}/`, '');
  for await (const event of source) {
    const file = event.data?.file;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && file) {
      testSeconds.set(file, (testSeconds.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0) / 1000);
    }
    if (event.type !== 'test:summary') continue;
    if (file) {
      const seconds = (event.data.duration_ms ?? 0) / 1000;
      const { passed = 0, failed = 0 } = event.data.counts ?? {};
      rows.push({ file: relative(file), seconds });
      yield `::: file ${seconds.toFixed(1).padStart(6)} s  ${relative(file)} (${passed} passed${failed ? `, ${failed} failed` : ''}; tests ${(testSeconds.get(file) ?? 0).toFixed(1)} s)\n`;
    } else {
      rows.sort((a, b) => b.seconds - a.seconds);
      yield `\n::: time per test file, slowest first\n${rows.map((r) => `${r.seconds.toFixed(1).padStart(7)} s  ${r.file}`).join('\n')}\n`;
    }
  }
}
