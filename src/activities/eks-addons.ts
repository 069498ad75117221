import { ApplicationFailure } from '@temporalio/common';
import {
  chooseAddonVersion, configurationOverlay, requestedCoreAddons, type CoreAddonName, type EksAddonsSpec, type ResolvedCoreAddons,
} from '../domain/eks-addons';
import { errorTypes } from '../domain/errors';
import { clientRequestToken } from '../domain/names';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import { whenAddonApiReady } from './addons/eks-addon';
import { mergeOverlay, readConfigurationValues, schemaProblems } from './eks-addon-configuration';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';
import type { Pace } from './pace';

/**
 * The core EKS add-ons (vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver,
 * eks-pod-identity-agent) as EKS managed add-ons, the way eksctl (pkg/actions/addon/create.go)
 * and Terraform (internal/service/eks/addon.go) make them:
 * - checked before anything is made: each version against DescribeAddonVersions for the
 *   cluster's minor (left out: the minor's default; `latest`: the newest), each
 *   configurationValues against DescribeAddonConfiguration's schema for that version; every
 *   problem reported at once, non-retryable (the API cannot reach AWS, so this is the run's
 *   first step);
 * - created idempotently (client request token; an existing add-on adopted when its tags say it
 *   is this environment's, refused otherwise), tagged for ownership, CreateAddon asked again
 *   while a new cluster's add-on API still refuses (aws-fault-catalog 32);
 * - watched by DescribeAddon: ACTIVE is done, CREATE_FAILED fails with EKS's health issues,
 *   DEGRADED is waited through (Terraform's waitAddonCreated keeps it pending, catalog 32);
 * - deleted only once its tags prove it is this environment's.
 * moto has no add-on API: the simulated cloud covers these calls (test/contract).
 */

export interface CheckEksAddonsInput {
  kubernetesVersion: string;
  eksAddons: EksAddonsSpec;
  /** CoreDNS runs on Fargate (no node group): its configuration says so too. @default false */
  corednsOnFargate?: boolean;
}

export interface EnsureEksAddonInput {
  owner: Owner;
  region: string;
  cluster: string;
  name: CoreAddonName;
  version: string;
  configurationValues?: string;
  resolveConflicts: 'OVERWRITE' | 'NONE';
  serviceAccountRoleArn?: string;
  tags?: Record<string, string>;
}

/** What the workflow sees of an add-on: small, for history. */
export interface EksAddonStatus {
  /** CREATING, ACTIVE, DEGRADED, CREATE_FAILED, DELETING, DELETE_FAILED..., or NOT_FOUND. */
  status: string;
  version?: string;
  issues: string[];
}

export function createEksAddonActivities(eks: EksApi, pace: Pace) {
  /** Resolves every requested add-on's version and configuration, or refuses the lot with each problem at its path. */
  async function checkEksAddons(input: CheckEksAddonsInput): Promise<{ resolved: ResolvedCoreAddons }> {
    const problems: { path: string; message: string }[] = [];
    const resolved: ResolvedCoreAddons = {};
    for (const [name, options] of requestedCoreAddons(input.eksAddons)) {
      const at = `/eksAddons/${name}`;
      const chosen = chooseAddonVersion(options.version, await eks.describeAddonVersions(name, input.kubernetesVersion), input.kubernetesVersion);
      if ('problem' in chosen) {
        problems.push({ path: `${at}/version`, message: chosen.problem });
        continue;
      }
      const read = options.configurationValues === undefined ? { values: {} } : readConfigurationValues(options.configurationValues);
      if ('problem' in read) {
        problems.push({ path: `${at}/configurationValues`, message: read.problem });
        continue;
      }
      const { merged, conflicts } = mergeOverlay(read.values, configurationOverlay(name, options, { corednsOnFargate: input.corednsOnFargate === true }));
      problems.push(...conflicts.map((message) => ({ path: `${at}/configurationValues`, message: `${message}: set it in one place` })));
      if (Object.keys(merged).length === 0) {
        resolved[name] = { version: chosen.version };
        continue;
      }
      const schema = await eks.describeAddonConfiguration(name, chosen.version);
      if (schema === undefined) {
        problems.push({ path: `${at}/configurationValues`, message: `EKS gives no configuration schema for ${name} ${chosen.version}: it takes no configurationValues` });
        continue;
      }
      const refused = schemaProblems(schema, merged);
      problems.push(...refused.map((message) => ({
        path: `${at}/configurationValues`,
        message: `${name} ${chosen.version} refuses it: ${message} (its schema: aws eks describe-addon-configuration --addon-name ${name} --addon-version ${chosen.version})`,
      })));
      resolved[name] = { version: chosen.version, configurationValues: JSON.stringify(merged) };
    }
    if (problems.length > 0) {
      throw ApplicationFailure.nonRetryable(problems.map((p) => `${p.path}: ${p.message}`).join('; '), errorTypes.invalidSpec, ...problems);
    }
    return { resolved };
  }

  async function ensureEksAddon(input: EnsureEksAddonInput): Promise<EnsuredResource & EksAddonStatus> {
    const ref = { kind: 'eks-addon' as const, name: `${input.cluster}/${input.name}`, region: input.region };
    const existing = await eks.describeAddon(input.cluster, input.name);
    if (existing && existing.status !== 'DELETING') {
      const { madeByThisRun } = adoptOrRefuse(`EKS add-on ${input.name} on cluster ${input.cluster}`, existing.tags, input.owner);
      return { ref, made: madeByThisRun, status: existing.status, version: existing.version, issues: existing.issues };
    }
    const created = await whenAddonApiReady(input.cluster, pace, () => eks.createAddon({
      cluster: input.cluster, name: input.name, version: input.version, tags: ownershipTags(input.owner, input.tags),
      resolveConflicts: input.resolveConflicts,
      // The same run asking again (a lost response, a retried activity) is the same request.
      clientRequestToken: clientRequestToken(input.owner.runId, `${input.cluster}/${input.name}`),
      ...(input.configurationValues ? { configurationValues: input.configurationValues } : {}),
      ...(input.serviceAccountRoleArn ? { serviceAccountRoleArn: input.serviceAccountRoleArn } : {}),
    }));
    return { ref, made: true, status: created.status, version: created.version, issues: created.issues };
  }

  async function describeEksAddon(input: { cluster: string; name: string }): Promise<EksAddonStatus> {
    const found = await eks.describeAddon(input.cluster, input.name);
    return found ? { status: found.status, version: found.version, issues: found.issues } : { status: 'NOT_FOUND', issues: [] };
  }

  async function deleteEksAddon(input: DeleteOwner & { cluster: string; name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await eks.describeAddon(input.cluster, input.name), input, () => eks.deleteAddon(input.cluster, input.name));
  }

  return { checkEksAddons, ensureEksAddon, describeEksAddon, deleteEksAddon };
}
