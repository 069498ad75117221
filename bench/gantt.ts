import type { StepProgress } from '../src/workflows/messages';

/** One environment's steps on a time line, as SVG: when each ran, against its estimate. */
export function ganttSvg(title: string, steps: readonly StepProgress[], speedup: number): string {
  const timed = steps.filter((s) => s.startedAt && s.endedAt).map((s) => ({ ...s, from: Date.parse(s.startedAt!), to: Date.parse(s.endedAt!) }));
  const start = Math.min(...timed.map((s) => s.from));
  const end = Math.max(...timed.map((s) => s.to));
  const simSeconds = (ms: number) => ((ms - start) / 1000) * speedup;
  const width = 1100; const label = 300; const row = 22; const top = 40;
  const scale = (width - label - 20) / Math.max(1, simSeconds(end));
  const minutes = Math.ceil(simSeconds(end) / 60);
  const ticks = Array.from({ length: minutes + 1 }, (_, m) => m).filter((m) => minutes <= 30 || m % 5 === 0);
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = timed.sort((a, b) => a.from - b.from).map((s, i) => {
    const y = top + i * row;
    const x = label + simSeconds(s.from) * scale;
    const w = Math.max(1, (simSeconds(s.to) - simSeconds(s.from)) * scale);
    return `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${escape(s.id)}</text>`
      + `<rect x="${x}" y="${y + 3}" width="${w}" height="${row - 6}" fill="${s.state === 'done' ? '#4a7bd0' : '#d05a4a'}"><title>${escape(`${s.id}: ${Math.round(simSeconds(s.to) - simSeconds(s.from))} s (estimate ${s.estimateSeconds} s)`)}</title></rect>`;
  });
  const height = top + timed.length * row + 30;
  const grid = ticks.map((m) => `<line x1="${label + m * 60 * scale}" y1="${top - 5}" x2="${label + m * 60 * scale}" y2="${height - 25}" stroke="#ddd"/><text x="${label + m * 60 * scale}" y="${height - 10}" text-anchor="middle">${m}m</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`
    + `<rect width="100%" height="100%" fill="white"/><text x="10" y="22" font-size="15">${escape(title)}</text>${grid.join('')}${bars.join('')}</svg>\n`;
}
