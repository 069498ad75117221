import type { Activities } from '../activities';
import type { EnsuredResource } from '../activities/iam-roles';
import { accessEntryLedgerName } from '../domain/access-entries';
import { capabilityLedgerName, capabilityRoleName, hybridNodesRolePolicies, hybridNodesRoleName } from '../domain/capabilities';
import { partitionOf } from '../domain/eks-addons';
import type { EnvironmentSpec } from '../domain/environment-spec';
import type { ResourceRef } from '../domain/ledger';
import type { Owner } from '../domain/ownership';
import type { PlanStep } from '../domain/planner';
import { assumedBy } from '../domain/service-roles';

interface StepTools {
  spec: EnvironmentSpec;
  owner: Owner;
  /** Short AWS calls. */
  aws: Pick<Activities, 'ensureRole' | 'ensureCapability' | 'describeCapability' | 'associateCapabilityAccessPolicies' | 'ensureAccessEntry'>;
  create: <T extends { ref: ResourceRef; made: boolean }>(step: PlanStep, ref: ResourceRef, call: () => Promise<T>) => Promise<T>;
  waitUntil: <T extends { status: string; issues?: string[] }>(step: PlanStep, observe: () => Promise<T>, done: (v: T) => boolean, describe: (v: T) => string, failed?: (v: T) => boolean) => Promise<T>;
  update: (id: string, change: { detail: string }) => void;
}

// A capability EKS gave up on: its health issues say why (CapabilityStatus).
const capabilityFailed = ({ status }: { status: string }) => status === 'CREATE_FAILED' || status === 'DELETING' || status === 'NOT_FOUND';

/**
 * The workflow's handlers for EKS capabilities and hybrid nodes (src/domain/capability-plan.ts):
 * intend → create idempotently → confirm (ledger) → wait until ACTIVE. Each role, capability and
 * access entry is ledgered on its own, so a rollback deletes the capability (waited out) before
 * its role, and the access entry before the Hybrid Nodes role.
 */
export function capabilityHandlers({ spec, owner, aws, create, waitUntil, update }: StepTools) {
  return {
    capability: async (step: PlanStep) => {
      const capability = spec.capabilities!.find((c) => c.name === step.subject)!;
      const tags = { ...spec.tags, ...capability.tags };
      // eksctl makes the role when roleArn is not given (pkg/actions/capability/creator.go createIAMRoleStack): trusting
      // capabilities.eks.amazonaws.com (EKS user guide, "Amazon EKS capability IAM role"), with attachPolicyARNs.
      let roleArn = capability.roleArn;
      if (!roleArn) {
        const name = capabilityRoleName(spec.name, capability.name);
        const role = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
          owner, region: spec.region, name, description: `${capability.type} capability ${capability.name} of ${spec.name}`, tags,
          trustPolicy: assumedBy('capabilities.eks.amazonaws.com'), managedPolicyArns: [...(capability.attachPolicyArns ?? [])],
        }));
        roleArn = role.arn;
      }
      const principalArn = roleArn;
      await create(step, { kind: 'eks-capability', name: capabilityLedgerName(spec.name, capability.name), region: spec.region }, () => aws.ensureCapability({
        owner, region: spec.region, cluster: spec.name, capability, roleArn: principalArn, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      await waitUntil(step, () => aws.describeCapability({ cluster: spec.name, name: capability.name }), (c) => c.status === 'ACTIVE', (c) => `capability ${c.status}`, capabilityFailed);
      if (!capability.accessPolicies?.length) return update(step.id, { detail: `ACTIVE; role ${principalArn}` });
      // The access entry is EKS's to make once the capability runs: looked for until it is there.
      const associated = await waitUntil(step, () => aws.associateCapabilityAccessPolicies({ cluster: spec.name, principalArn, policies: capability.accessPolicies! }),
        (a) => a.status === 'ASSOCIATED', (a) => (a.status === 'WAITING' ? 'ACTIVE; waiting for the access entry EKS makes for its role' : 'ACTIVE'));
      update(step.id, { detail: `ACTIVE; role ${principalArn}; ${associated.policies.join('; ')}` });
    },
    'hybrid-nodes': async (step: PlanStep) => {
      const remote = spec.remoteNetwork!;
      let principalArn = remote.nodeRoleArn;
      if (!principalArn) {
        const name = hybridNodesRoleName(spec.name);
        const grant = hybridNodesRolePolicies(partitionOf(spec.region), spec.region, spec.name);
        // SSM hybrid activations assume the role (EKS user guide, "Prepare credentials for hybrid nodes").
        const trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
        const role: EnsuredResource & { arn: string } = await create(step, { kind: 'iam-role', name, region: spec.region }, () => aws.ensureRole({
          owner, region: spec.region, name, description: `Hybrid Nodes role of ${spec.name} (SSM hybrid activations)`, tags: spec.tags,
          trustPolicy, managedPolicyArns: grant.managedPolicyArns, inlinePolicies: grant.inlinePolicies,
        }));
        principalArn = role.arn;
      }
      // Hybrid nodes join through an access entry of type HYBRID_LINUX (eksctl userdocs "EKS Hybrid Nodes").
      const entry = { principalArn, type: 'HYBRID_LINUX' as const, accessPolicies: [] };
      await create(step, { kind: 'eks-access-entry', name: accessEntryLedgerName(spec.name, principalArn), region: spec.region }, () => aws.ensureAccessEntry({
        owner, region: spec.region, cluster: spec.name, entry, ...(spec.tags ? { tags: spec.tags } : {}),
      }));
      update(step.id, { detail: `${principalArn}: HYBRID_LINUX; remote nodes ${remote.remoteNodeNetworks.flatMap((n) => n.cidrs).join(', ')}${remote.remotePodNetworks ? `, pods ${remote.remotePodNetworks.flatMap((n) => n.cidrs).join(', ')}` : ''}` });
    },
  };
}
