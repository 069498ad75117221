import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ChartRef } from '../../src/activities/helm';
import { repoRoot } from './paths';

/** One line of tools/charts.lock: a chart eksflow pins, where it comes from, its package's digest. */
export interface ChartPin {
  name: string;
  version: string;
  repo: string;
  sha256: string;
}

export const chartPins: readonly ChartPin[] = readFileSync(join(repoRoot, 'tools', 'charts.lock'), 'utf8').split('\n')
  .map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const [name, version, repo, sha256] = line.split(/\s+/) as [string, string, string, string];
    return { name, version, repo, sha256 };
  });

const chartsDir = join(process.env.EKSFLOW_TOOLS_CACHE ?? join(homedir(), '.cache', 'eksflow-tools'), 'charts');

/** The real packaged chart in the tools cache, as tools/install-charts.sh put it there. */
export function realChartPath(chart: Pick<ChartRef, 'name' | 'version'>): string {
  const file = join(chartsDir, `${chart.name}-${chart.version}.tgz`);
  if (!existsSync(file)) throw new Error(`no packaged chart ${chart.name} ${chart.version} at ${file}: run \`bash tools/install-charts.sh\` (is it in tools/charts.lock?)`);
  return file;
}

/** helm's chart arguments for a catalog chart: the real package, at the version the catalog pins. */
export function realChartArgs(chart: ChartRef): string[] {
  return [realChartPath(chart)];
}
