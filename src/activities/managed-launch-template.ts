import { ApplicationFailure } from '@temporalio/common';
import type { NodeGroupSpec } from '../domain/environment-spec';
import { errorTypes } from '../domain/errors';
import { managedLaunchTemplate, managedLaunchTemplateName, type ClusterFacts } from '../domain/managed-launch-template';
import { clientRequestToken } from '../domain/names';
import { sshIngressRules, type SshAccess } from '../domain/node-ssh-access';
import { ownershipTags, type Owner } from '../domain/ownership';
import type { EksApi } from './aws/eks';
import type { NodeLaunchApi } from './aws/launch-templates';
import type { EnsuredResource } from './iam-roles';
import { adoptOrRefuse, deleteIfOurs, type DeleteOutcome, type DeleteOwner } from './ownership-check';

/** SSH's port: eksctl opens 22 for every node OS (pkg/cfn/builder/vpc.go sgPortSSH). */
const sshPort = 22;

/** A launch template as CreateNodegroup takes it. */
export interface LaunchTemplateChoice {
  id: string;
  version: string;
}

/**
 * What a managed node group needs from EC2 before CreateNodegroup: the launch template eksflow
 * makes for it (or the check that a given one exists), the key pair its public key becomes,
 * and its subnets narrowed to its zones.
 */
export function createManagedLaunchTemplateActivities(nodeLaunch: NodeLaunchApi | undefined, eks: EksApi) {
  const ec2 = (): NodeLaunchApi => {
    if (!nodeLaunch) throw ApplicationFailure.nonRetryable('this worker has no EC2 launch template client (nodeLaunch): it cannot make managed node groups with launch templates, keys or zones', errorTypes.resourceFailed);
    return nodeLaunch;
  };

  /**
   * The group's own launch template, `eksflow-<environment>-<group>`, version 1: made from the
   * spec and the cluster (endpoint, CA, Service CIDR, cluster security group), or adopted when
   * this environment already made it. Refused when the name is someone else's.
   */
  async function ensureManagedLaunchTemplate(input: {
    owner: Owner; region: string; environment: string; cluster: string; group: NodeGroupSpec; keyName?: string; tags?: Record<string, string>;
    /** The group's SSH security group (ensureSshSecurityGroup), beside the cluster's. @default none */
    sshSecurityGroupId?: string;
  }): Promise<EnsuredResource & LaunchTemplateChoice> {
    const name = managedLaunchTemplateName(input.environment, input.group.name);
    const ref = (id: string) => ({ kind: 'ec2-launch-template' as const, name, region: input.region, arn: id });
    const existing = await ec2().findLaunchTemplate({ name });
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`launch template ${name}`, existing.tags, input.owner);
      return { ref: ref(existing.id), made: madeByThisRun, id: existing.id, version: String(existing.latestVersion) };
    }
    const cluster = await eks.describeCluster(input.cluster);
    if (!cluster?.endpoint || !cluster.certificateAuthority) {
      throw ApplicationFailure.retryable(`cluster ${input.cluster} reports no endpoint or CA yet: the launch template waits for them`, errorTypes.awsRetryable);
    }
    const facts: ClusterFacts = {
      name: input.cluster, endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority,
      // EKS's pick when the cluster does not say (moto): 172.20.0.0/16 for a VPC in 10.0.0.0/8 (CreateCluster API reference).
      serviceIpv4Cidr: cluster.serviceIpv4Cidr ?? '172.20.0.0/16',
      ...(cluster.clusterSecurityGroupId ? { clusterSecurityGroupId: cluster.clusterSecurityGroupId } : {}),
    };
    if ((input.group.securityGroupIds || input.sshSecurityGroupId) && !facts.clusterSecurityGroupId) {
      throw ApplicationFailure.nonRetryable(`cluster ${input.cluster} reports no cluster security group; the template's security groups would leave the nodes without it`, errorTypes.resourceFailed);
    }
    const { userData, ...data } = managedLaunchTemplate(input.group, facts, input.keyName, input.sshSecurityGroupId);
    const created = await ec2().createLaunchTemplate({
      name, tags: ownershipTags(input.owner, input.tags), clientToken: clientRequestToken(input.owner.runId, `lt-${name}`),
      data: { ...data, ...(userData !== undefined ? { userData: Buffer.from(userData).toString('base64') } : {}) },
    });
    return { ref: ref(created.id), made: true, id: created.id, version: String(created.latestVersion) };
  }

  /** Deletes the group's launch template, only when it carries this environment's tag. */
  async function deleteManagedLaunchTemplate(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    const found = await ec2().findLaunchTemplate({ name: input.name });
    return deleteIfOurs(found, input, () => ec2().deleteLaunchTemplate(found!.id));
  }

  /**
   * A launch template the spec names (never changed nor deleted): its ID and the version to
   * use (the spec's, or the template's default). Missing, the step fails for good, naming it.
   */
  async function checkLaunchTemplate(input: { region: string; launchTemplate: { id?: string; name?: string; version?: string } }): Promise<LaunchTemplateChoice & { name: string }> {
    const { id, name, version } = input.launchTemplate;
    const found = await ec2().findLaunchTemplate(id ? { id } : { name: name! });
    if (!found) {
      throw ApplicationFailure.nonRetryable(`launch template ${id ?? name} does not exist in ${input.region}: make it first, or name another in launchTemplate`, errorTypes.launchTemplateNotFound);
    }
    return { id: found.id, name: found.name, version: version ?? String(found.defaultVersion) };
  }

  /** The group's public key as an EC2 key pair, `eksflow-<environment>-<group>`, imported or adopted. */
  async function ensureNodeKeyPair(input: { owner: Owner; region: string; name: string; publicKey: string; tags?: Record<string, string> }): Promise<EnsuredResource & { keyName: string }> {
    const ref = (id: string) => ({ kind: 'ec2-key-pair' as const, name: input.name, region: input.region, arn: id });
    const existing = await ec2().findKeyPair(input.name);
    if (existing) {
      const { madeByThisRun } = adoptOrRefuse(`key pair ${input.name}`, existing.tags, input.owner);
      return { ref: ref(existing.id), made: madeByThisRun, keyName: existing.name };
    }
    const imported = await ec2().importKeyPair({ name: input.name, publicKey: input.publicKey, tags: ownershipTags(input.owner, input.tags) });
    return { ref: ref(imported.id), made: true, keyName: imported.name };
  }

  async function deleteNodeKeyPair(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    return deleteIfOurs(await ec2().findKeyPair(input.name), input, () => ec2().deleteKeyPair(input.name));
  }

  /**
   * The group's SSH security group, `eksflow-<environment>-<group>-ssh` in the cluster's VPC, with
   * TCP 22 open as eksctl opens it (src/domain/node-ssh-access.ts): made and tagged, or adopted
   * when this environment already made it; its rules are (re)authorized either way, so a run cut
   * off between the calls completes them. Refused when the name is someone else's.
   */
  async function ensureSshSecurityGroup(input: {
    owner: Owner; region: string; name: string; vpcId: string; group: string; access: SshAccess; tags?: Record<string, string>;
  }): Promise<EnsuredResource & { groupId: string }> {
    const ref = (id: string) => ({ kind: 'ssh-security-group' as const, name: input.name, region: input.region, arn: id });
    const vpcCidr = input.access.privateNetworking && !input.access.sourceSecurityGroupIds ? await ec2().vpcCidr(input.vpcId) : undefined;
    if (input.access.privateNetworking && !input.access.sourceSecurityGroupIds && !vpcCidr) {
      throw ApplicationFailure.nonRetryable(`VPC ${input.vpcId} does not exist: the SSH rule of group ${input.group} opens port 22 to its CIDR`, errorTypes.resourceFailed);
    }
    const rules = sshIngressRules(input.access, vpcCidr, input.group);
    const inVpc = async () => (await ec2().findSecurityGroups(input.name)).find((g) => g.vpcId === input.vpcId);
    let group = await inVpc();
    let made = true;
    if (group) made = adoptOrRefuse(`security group ${input.name}`, group.tags, input.owner).madeByThisRun;
    else {
      try {
        group = await ec2().createSecurityGroup({
          name: input.name, vpcId: input.vpcId, description: `SSH to the nodes of group ${input.group} (eksflow)`, tags: ownershipTags(input.owner, { ...input.tags, Name: input.name }),
        });
      } catch (error) {
        // Made by an attempt whose answer was lost: ours if its tags say so.
        if (!(error instanceof ApplicationFailure && /InvalidGroup\.Duplicate/.test(error.message))) throw error;
        group = await inVpc();
        if (!group) throw error;
        made = adoptOrRefuse(`security group ${input.name}`, group.tags, input.owner).madeByThisRun;
      }
    }
    await ec2().authorizeIngress(group.id, sshPort, rules);
    return { ref: ref(group.id), made, groupId: group.id };
  }

  /** Deletes the group's SSH security group (each of that name), only when it carries this environment's tag. */
  async function deleteSshSecurityGroup(input: DeleteOwner & { name: string }): Promise<DeleteOutcome> {
    // The name is unique in a VPC only: another VPC's group of the name is someone else's unless its tags say otherwise.
    const outcomes = await Promise.all((await ec2().findSecurityGroups(input.name)).map((group) => deleteIfOurs(group, input, () => ec2().deleteSecurityGroup(group.id))));
    return outcomes.find((o) => o.outcome === 'deleted') ?? outcomes[0] ?? { outcome: 'absent' };
  }

  /** The subnets among these in the given zones; a zone with none of them fails for good, naming what there is. */
  async function nodegroupSubnets(input: { subnetIds: string[]; zones: string[] }): Promise<{ subnetIds: string[] }> {
    const zoneOf = await ec2().subnetZones(input.subnetIds);
    const offered = [...new Set(Object.values(zoneOf))].sort();
    const missing = input.zones.filter((zone) => !offered.includes(zone));
    if (missing.length > 0) {
      throw ApplicationFailure.nonRetryable(`the environment's subnets for this group are in ${offered.join(', ')}, not in ${missing.join(', ')}: change availabilityZones`, errorTypes.invalidSpec);
    }
    return { subnetIds: input.subnetIds.filter((id) => input.zones.includes(zoneOf[id]!)) };
  }

  return { ensureManagedLaunchTemplate, deleteManagedLaunchTemplate, checkLaunchTemplate, ensureNodeKeyPair, deleteNodeKeyPair, nodegroupSubnets, ensureSshSecurityGroup, deleteSshSecurityGroup };
}
