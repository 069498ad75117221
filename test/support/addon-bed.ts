import { after, before } from 'node:test';
import { EKSClient } from '@aws-sdk/client-eks';
import { eksApi } from '../../src/activities/aws/eks';
import type { AddonReadiness, AddonTools } from '../../src/activities/addons/addon-module';
import { kubeNotFound } from '../../src/activities/kube-calls';
import { binaryHelm, createHelmActivities } from '../../src/activities/helm';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { realChartArgs } from './charts';
import { kubeControlPlane, type KubeControlPlane, type KubeControlPlaneOptions } from './kube';
import { waitFor } from './process';
import { toolPath } from './tools';

export interface AddonBed {
  cluster: KubeControlPlane;
  tools: AddonTools;
}

/**
 * For a test file of add-ons: one real control plane with simulated nodes, the real helm
 * binary installing each catalog chart from its real package (the upstream .tgz the catalog
 * pins, tools/charts.lock, from the tools cache), and an EKS client that is never reached (no
 * moto here: only the EKS managed add-on path would call it). Fields are set once `before` has
 * run.
 */
export function addonBedPerFile(options: KubeControlPlaneOptions = { nodes: 2 }): AddonBed {
  const bed = {} as AddonBed;
  before(async () => {
    bed.cluster = await kubeControlPlane(options);
    const kube = kubeconfigAccess(bed.cluster.kubeconfigPath);
    bed.tools = {
      kube,
      helm: createHelmActivities(binaryHelm({ kube, binary: toolPath('helm'), chartArgs: realChartArgs })),
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
