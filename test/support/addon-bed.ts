import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { EKSClient } from '@aws-sdk/client-eks';
import { eksApi } from '../../src/activities/aws/eks';
import type { AddonReadiness, AddonTools } from '../../src/activities/addons/addon-module';
import { kubeNotFound } from '../../src/activities/kube-calls';
import { binaryHelm, createHelmActivities, type ChartRef } from '../../src/activities/helm';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { realChartArgs } from './charts';
import { kubeControlPlane, type KubeControlPlane, type KubeControlPlaneOptions } from './kube';
import { repoRoot } from './paths';
import { waitFor } from './process';
import { toolPath } from './tools';

/** Where each catalog chart's stand-in lives: same release name, namespace and objects, no network. */
export const fixtureChartsDir = join(repoRoot, 'test', 'fixtures', 'charts');

/** helm's chart arguments for a catalog chart, pointed at its fixture under test/fixtures/charts/<chart name>. */
export function fixtureChartArgs(chart: ChartRef): string[] {
  const dir = join(fixtureChartsDir, chart.name);
  if (!existsSync(join(dir, 'Chart.yaml'))) throw new Error(`no fixture chart for ${chart.name} at ${dir}`);
  return [dir];
}

export interface AddonBed {
  cluster: KubeControlPlane;
  tools: AddonTools;
}

/**
 * For a test file of add-ons: one real control plane with simulated nodes, the real helm
 * binary installing fixture charts, and an EKS client that is never reached (no moto here:
 * only the EKS managed add-on path would call it). Fields are set once `before` has run.
 */
export function addonBedPerFile(options: KubeControlPlaneOptions = { nodes: 2 }, { charts = 'fixture' }: { charts?: 'real' | 'fixture' } = {}): AddonBed {
  const bed = {} as AddonBed;
  before(async () => {
    bed.cluster = await kubeControlPlane(options);
    const kube = kubeconfigAccess(bed.cluster.kubeconfigPath);
    bed.tools = {
      kube,
      // 'real': the upstream packaged chart the catalog pins (tools/charts.lock, from the tools cache).
      helm: createHelmActivities(binaryHelm({ kube, binary: toolPath('helm'), chartArgs: charts === 'real' ? realChartArgs : fixtureChartArgs })),
      eks: eksApi(new EKSClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })),
    };
  });
  after(() => bed.cluster?.stop());
  return bed;
}

/** Looks at an add-on's gates as the workflow's poll does, until `done`; every look is kept. */
export async function readinessUntil(isReady: () => Promise<AddonReadiness>, done: (readiness: AddonReadiness) => boolean): Promise<AddonReadiness[]> {
  const seen: AddonReadiness[] = [];
  await waitFor('the add-on readiness', async () => {
    const readiness = await isReady();
    seen.push(readiness);
    return done(readiness);
  }, { timeoutMs: 60_000, intervalMs: 250 });
  return seen;
}

/** True when the read fails with 404: the object is gone. */
export const isGone = (read: Promise<unknown>): Promise<boolean> => read.then(() => false, (error: unknown) => (kubeNotFound(error) ? true : Promise.reject(error)));
