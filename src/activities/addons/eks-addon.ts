import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../../domain/errors';
import { clientRequestToken } from '../../domain/names';
import { ownershipOf, ownershipTags } from '../../domain/ownership';
import type { AddonFactory, AddonModule } from './addon-module';
import { checkGates } from './readiness';
import { paceFor, type Pace } from '../pace';

/**
 * An add-on installed as an EKS managed add-on: CreateAddon with a request token (a retry is
 * the same request), its role passed as serviceAccountRoleArn, gates, DeleteAddon.
 * moto has no add-on API: the simulated cloud's contract suite covers this path.
 */
export const eksManagedAddon: AddonFactory = (tools, addon): AddonModule => {
  const { install } = addon;
  if (install.method !== 'eks-addon') throw ApplicationFailure.nonRetryable(`${addon.name} is not an EKS add-on here (${install.method})`, errorTypes.invalidPlan);
  return {
    async install(context) {
      const existing = await tools.eks.describeAddon(context.cluster, install.addonName);
      if (existing && existing.status !== 'DELETING') {
        // This run's own create (a retried activity) is this run's; anything else was there before it.
        const adopted = ownershipOf(existing.tags, context.owner) !== 'created-by-this-run';
        return { summary: `EKS add-on ${install.addonName} ${existing.version ?? ''} already ${existing.status}${adopted ? ' (adopted: not made by this run)' : ''}`, adopted };
      }
      const created = await whenAddonApiReady(context.cluster, tools.pace ?? paceFor(), () => tools.eks.createAddon({
        cluster: context.cluster, name: install.addonName, ...(install.version ? { version: install.version } : {}), tags: ownershipTags(context.owner),
        clientRequestToken: clientRequestToken(context.owner.runId, `${context.cluster}/${install.addonName}`),
        ...(context.roleArn ? { serviceAccountRoleArn: context.roleArn } : {}),
      }));
      return { summary: `EKS add-on ${install.addonName} ${install.version} ${created.status}` };
    },
    async isReady(context) {
      // CREATE_FAILED is final: fail with EKS's health issues rather than wait the step out.
      // DEGRADED is not: before its pods have somewhere to run (no node yet, Fargate pods still
      // starting) EKS reports InsufficientNumberOfReplicas, which capacity mends — Terraform's
      // waitAddonCreated keeps DEGRADED pending, unlike the SDK's waitUntilAddonActive, which
      // fails on it (catalog entry 32). The catalog's gates decide readiness, as before.
      const described = await tools.eks.describeAddon(context.cluster, install.addonName);
      if (described?.status === 'CREATE_FAILED') {
        return {
          ready: false, failed: { status: described.status, issues: described.issues },
          gates: [{ gate: `EKS add-on ${install.addonName} created`, ok: false, detail: `CREATE_FAILED${described.issues.length ? `: ${described.issues.join('; ')}` : ''}` }],
        };
      }
      return checkGates(await tools.kube.forCluster(context.cluster), addon.readiness, tools.eks, context.cluster);
    },
    async uninstall(context) {
      const existing = await tools.eks.describeAddon(context.cluster, install.addonName);
      if (!existing) return { removed: false };
      await tools.eks.deleteAddon(context.cluster, install.addonName);
      return { removed: true };
    },
  };
};

/** How long EKS's add-on API may refuse a new cluster (it lags ~3 min behind ACTIVE), and how often to ask again. */
const addonApiLagSeconds = 360;
const addonApiPollSeconds = 15;

/**
 * CreateAddon, asked again while EKS says the cluster is not ready for add-ons: for a few
 * minutes after a cluster turns ACTIVE its add-on API refuses with InvalidRequestException,
 * a wait, not a fault. Heartbeats keep the wait visible; past the lag it is a real refusal.
 */
export async function whenAddonApiReady<T>(cluster: string, pace: Pace, create: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const deadline = Date.now() + pace(addonApiLagSeconds * 1000);
  for (;;) {
    try {
      return await create();
    } catch (error) {
      const lagging = error instanceof ApplicationFailure && error.type === errorTypes.awsClientError && /InvalidRequestException/.test(error.message);
      if (!lagging || Date.now() > deadline) throw error;
      context.heartbeat({ waitingFor: `the EKS add-on API of ${cluster}` });
      await context.sleep(pace(addonApiPollSeconds * 1000));
    }
  }
}
