import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addonCatalog, type HelmChart } from '../../src/domain/addon-catalog';
import { supportedKubernetesVersions, type AddonsSpec } from '../../src/domain/environment-spec';
import { chartPins, realChartPath } from '../support/charts';
import { repoRoot } from '../support/paths';

/** Every Helm chart the catalog can resolve to, over each Kubernetes minor and each install method an option picks. */
function catalogCharts(): HelmChart[] {
  const variants: AddonsSpec[] = [{}, { 'metrics-server': { method: 'helm' } }, { cloudwatch: { method: 'helm' } }] as AddonsSpec[];
  const found = new Map<string, HelmChart>();
  for (const definition of addonCatalog.values()) {
    if (definition.unavailable) continue;
    for (const minor of supportedKubernetesVersions) {
      for (const options of variants) {
        let install;
        try {
          install = definition.resolve(options, minor).install;
        } catch {
          continue; // an option set this add-on does not accept
        }
        if (install.method === 'helm') found.set(`${install.chart.name}@${install.chart.version}`, install.chart);
      }
    }
  }
  return [...found.values()];
}

test('every chart the catalog installs is pinned in tools/charts.lock, from the same repository', () => {
  const charts = catalogCharts();
  assert.ok(charts.length >= 6, `the catalog resolved only ${charts.length} charts`);
  for (const chart of charts) {
    const pin = chartPins.find((p) => p.name === chart.name && p.version === chart.version);
    assert.ok(pin, `${chart.name} ${chart.version} is not in tools/charts.lock`);
    assert.equal(pin.repo.replace(/\/+$/, ''), chart.repo.replace(/\/+$/, ''), `${chart.name}'s repository`);
  }
});

test('the installed packages are the pinned ones, byte for byte', () => {
  for (const pin of chartPins) {
    const digest = createHash('sha256').update(readFileSync(realChartPath(pin))).digest('hex');
    assert.equal(digest, pin.sha256, `${pin.name} ${pin.version}`);
  }
});

test('every pinned chart is installed from its real package by an add-on test, which asserts the release it made', () => {
  // The add-on tests install through addonBedPerFile, whose only chart source is the real
  // package (realChartArgs); each asserts its install's summary, `helm <chart> <version> revision n`.
  const addonTests = join(repoRoot, 'test', 'activities', 'addons');
  const sources = readdirSync(addonTests).filter((file) => file.endsWith('.test.ts')).map((file) => readFileSync(join(addonTests, file), 'utf8'));
  for (const pin of chartPins) {
    const summary = [`helm ${pin.name} ${pin.version} revision`, `helm ${pin.name} ${pin.version.replaceAll('.', '\\.')} revision`];
    assert.ok(sources.some((source) => summary.some((said) => source.includes(said))), `no add-on test installs ${pin.name} ${pin.version}`);
  }
});
