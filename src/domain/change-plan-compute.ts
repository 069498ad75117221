import { addSelfManagedChanges, retireSelfManaged } from './change-plan-self-managed';
import { choosesBySelector, selectorText } from './instance-selector';
import { isSelfManaged } from './self-managed-nodes';
import { changeStepIds, differingKeys, fromTo, mapChange, same, show, type ChangeBuilder } from './change-plan-builder';
import type { ChangeContext } from './change-plan';
import type { FargateProfileSpec, NodeGroupSpec } from './environment-spec';
import { rollingUpdateSeconds } from './latency';
import { corednsNeedsFargate, stepIds } from './planner';

/**
 * The compute part of a change plan: managed node groups and Fargate profiles, each diffed by
 * its spec name. Pure.
 *
 * A node group changes in place where EKS's UpdateNodegroupConfig can (sizes, labels, taints)
 * and is replaced where nothing can (instance types, capacity type, AMI type, disk size, SSH
 * key: CreateNodegroup's fields without an update): the new group under a new EKS name, its
 * nodes Ready, then the old one drained and deleted, so the workloads always have somewhere to
 * go. A Fargate profile cannot be updated at all (EKS has no UpdateFargateProfile).
 */

// UpdateNodegroupConfig's fields (scalingConfig, labels, taints).
const configFields: ReadonlySet<string> = new Set(['minSize', 'desiredSize', 'maxSize', 'labels', 'taints']);
// CreateNodegroup's fields that no update takes.
const replaceFields: ReadonlySet<string> = new Set(['instanceTypes', 'capacityType', 'amiType', 'diskSize', 'sshPublicKey']);
// The names EKS allows node groups and Fargate profiles (63 characters: eksflow's ResourceName).
const maxNameLength = 63;

/**
 * The EKS name the replacement of a group gets: `${specName}-${n}` with the next free n given
 * the live name — the first replacement of `spot` is `spot-2` (the original counts as the
 * first), that of `spot-2` is `spot-3`. The spec name is shortened when the suffix would pass
 * EKS's 63 characters.
 */
export function replacementName(specName: string, liveName: string): string {
  const suffix = /-([0-9]+)$/.exec(liveName);
  const base = suffix ? liveName.slice(0, -suffix[0].length) : liveName;
  const generation = liveName !== specName && suffix && specName.startsWith(base) ? Number(suffix[1]) + 1 : 2;
  const tail = `-${generation}`;
  return `${specName.slice(0, maxNameLength - tail.length).replace(/-+$/, '')}${tail}`;
}

/** A replacement name no other live or planned group already has. */
function freeName(specName: string, liveName: string, taken: Set<string>): string {
  let name = replacementName(specName, liveName);
  while (taken.has(name)) name = replacementName(specName, name);
  taken.add(name);
  return name;
}

const taintKey = (t: NonNullable<NodeGroupSpec['taints']>[number]) => `${t.key}:${t.effect}`;
function taintChange(before: NodeGroupSpec['taints'], after: NodeGroupSpec['taints']): string {
  const old = new Map((before ?? []).map((t) => [taintKey(t), t]));
  const now = new Map((after ?? []).map((t) => [taintKey(t), t]));
  const added = [...now].filter(([k, t]) => !same(old.get(k), t)).map(([, t]) => `+${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`);
  const removed = [...old.keys()].filter((k) => !now.has(k)).map((k) => `-${k}`);
  return [...added, ...removed].join(', ');
}

/** What differs in one field of a group, as a person reads it. */
function fieldChange(field: string, before: NodeGroupSpec, after: NodeGroupSpec): string {
  if (field === 'labels') return `labels ${mapChange(before.labels, after.labels)}`;
  if (field === 'taints') return `taints ${taintChange(before.taints, after.taints)}`;
  if (field === 'sshPublicKey') return `sshPublicKey ${before.sshPublicKey ? (after.sshPublicKey ? 'changed' : 'removed') : 'added'}`;
  return fromTo(field, before[field as keyof NodeGroupSpec], after[field as keyof NodeGroupSpec]);
}

const groupTitle = (group: NodeGroupSpec, eksName: string) => {
  const size = `${group.minSize}/${group.desiredSize}/${group.maxSize}`;
  // A selector's picks are known when the group is made (EC2 GetInstanceTypesFromInstanceRequirements).
  const types = choosesBySelector(group) ? `types its instanceSelector picks: ${selectorText(group.instanceSelector!)}` : group.instanceTypes.join(', ');
  return `${group.capacityType === 'SPOT' ? 'spot' : 'on-demand'} node group ${eksName} (${types}; min/desired/max ${size})`;
};

/**
 * Node groups and Fargate profiles. `controlPlane` is the last cluster update every EKS change
 * waits for; the ids returned are the nodes-ready steps of new groups, which new add-ons and
 * apps wait for as a creation's do.
 */
export function addComputeChanges(b: ChangeBuilder, context: ChangeContext, { upgradedTo }: { upgradedTo?: string }): { compute: string[] } {
  const { live, next } = b;
  const eksName = (name: string) => context.nodegroupNames?.[name] ?? name;
  const taken = new Set([...live.nodeGroups.map((g) => eksName(g.name)), ...next.nodeGroups.map((g) => g.name)]);
  const nodeRole = live.nodeGroups.length === 0 && next.nodeGroups.length > 0
    ? b.add({ id: stepIds.nodeRole, kind: 'node-role', action: 'add', title: `ensure IAM role ${next.name}-node for worker nodes`, change: 'the first node group: its nodes\' role' })
    : undefined;
  const created: string[] = [];
  const create = (group: NodeGroupSpec, name: string, action: 'add' | 'replace', change: string) => {
    const id = b.add({ id: stepIds.nodegroup(name), kind: 'nodegroup', action, title: `create ${groupTitle(group, name)}`, change, dependsOn: [nodeRole], subject: group.name });
    created.push(b.add({ id: stepIds.nodesReady(name), kind: 'nodes-ready', action, title: `wait for ${group.desiredSize} Ready nodes in ${name}`, change, dependsOn: [id], subject: group.name }));
  };
  const retire = (name: string, specName: string, action: 'replace' | 'remove', change: string, after: (string | undefined)[]) => {
    const drain = b.add({ id: changeStepIds.drain(name), kind: 'drain', action, title: `cordon and drain the nodes of ${name} (respecting PodDisruptionBudgets)`, change, dependsOn: after, subject: specName });
    b.add({ id: changeStepIds.nodegroupDelete(name), kind: 'nodegroup-delete', action, title: `delete node group ${name} and wait until it is gone`, change, dependsOn: [drain], subject: specName });
  };

  next.nodeGroups.forEach((group, i) => {
    const before = live.nodeGroups.find((g) => g.name === group.name);
    // Self-managed groups (an Auto Scaling group eksflow made): their own steps (below).
    if (isSelfManaged(group) || (before && isSelfManaged(before))) {
      const made = addSelfManagedChanges(b, i, before, group, upgradedTo);
      if (made) created.push(made);
      return;
    }
    if (!before) {
      b.accounted.add('nodeGroups');
      create(group, group.name, 'add', `new node group ${group.name}`);
      return;
    }
    const name = eksName(group.name);
    const fields = differingKeys(before, group);
    for (const field of fields.filter((f) => !configFields.has(f) && !replaceFields.has(f))) {
      b.refuse(`/nodeGroups/${i}/${field}`, `${field} of a node group cannot be changed by apply yet; the way out: add a node group with the new ${field} and remove this one`);
    }
    const changes = fields.filter((f) => configFields.has(f) || replaceFields.has(f)).map((f) => fieldChange(f, before, group));
    if (fields.length > 0) b.accounted.add('nodeGroups');
    if (fields.some((f) => replaceFields.has(f))) {
      const newName = freeName(group.name, name, taken);
      const change = `${changes.join('; ')}: node group ${name} is replaced by ${newName}`;
      create(group, newName, 'replace', change);
      retire(name, group.name, 'replace', change, [stepIds.nodesReady(newName)]);
      return;
    }
    const config = fields.some((f) => configFields.has(f))
      ? b.add({ id: changeStepIds.nodegroupConfig(name), kind: 'nodegroup-config', action: 'update', title: `update node group ${name} in place (UpdateNodegroupConfig)`, change: changes.join('; '), subject: group.name })
      : undefined;
    if (upgradedTo) {
      // One update per node group at a time, and a version update never combined with another
      // (eksctl #2565: "Version and ReleaseVersion updates cannot be combined with other updates").
      b.add({
        id: changeStepIds.nodegroupVersion(name), kind: 'nodegroup-version', action: 'update', irreversible: true, subject: group.name,
        title: `roll node group ${name} onto Kubernetes ${upgradedTo} (UpdateNodegroupVersion: new nodes, old ones drained one at a time)`,
        change: `kubelet ${live.kubernetesVersion} → ${upgradedTo}, the AMI release for it; ${group.desiredSize} nodes replaced`,
        dependsOn: [config], estimateSeconds: rollingUpdateSeconds(group.desiredSize),
      });
    }
    if (fields.length === 0 && !upgradedTo) b.unchanged.push(`nodeGroups/${group.name}`);
  });

  const fargate = addFargateChanges(b, context);
  // CoreDNS must be on Fargate before the last nodes it runs on go (catalog entry 31).
  const coredns = !corednsNeedsFargate(live) && corednsNeedsFargate(next)
    ? b.add({ id: stepIds.corednsOnFargate, kind: 'coredns-fargate', action: 'update', title: 'run CoreDNS on Fargate (compute-type annotation) and wait until its replicas are Ready', change: 'no node group is left to run CoreDNS: it moves onto the Fargate profile that selects it', dependsOn: fargate })
    : undefined;
  for (const group of live.nodeGroups.filter((g) => !next.nodeGroups.some((n) => n.name === g.name))) {
    if (isSelfManaged(group)) {
      retireSelfManaged(b, group, [...created, coredns]);
      continue;
    }
    b.accounted.add('nodeGroups');
    const named = eksName(group.name) === group.name ? group.name : `${group.name} (${eksName(group.name)})`;
    retire(eksName(group.name), group.name, 'remove', `node group ${named} is removed; its pods are rescheduled on the compute that remains`, [...created, coredns]);
  }
  return { compute: [...created, ...(coredns ? [coredns] : [])] };
}

/**
 * Profiles made, replaced (the new one under a new name first, so pods always match one) and
 * deleted, one operation at a time: EKS runs one Fargate profile operation per cluster. Returns
 * the profile steps, which CoreDNS's move waits for.
 */
function addFargateChanges(b: ChangeBuilder, context: ChangeContext): string[] {
  const { live, next } = b;
  const eksName = (name: string) => context.fargateProfileNames?.[name] ?? name;
  const taken = new Set([...live.fargateProfiles.map((p) => eksName(p.name)), ...next.fargateProfiles.map((p) => p.name)]);
  const role = live.fargateProfiles.length === 0 && next.fargateProfiles.length > 0
    ? b.add({ id: stepIds.fargateRole, kind: 'fargate-role', action: 'add', title: `ensure IAM role ${next.name}-fargate for Fargate pods`, change: 'the first Fargate profile: its pods\' execution role' })
    : undefined;
  const chain: string[] = [];
  const then = (id: string) => { chain.push(id); return id; };
  const selectors = (p: FargateProfileSpec) => p.selectors.map((s) => `${s.namespace}${s.labels ? ` ${show(s.labels)}` : ''}`).join(', ');
  const deleteProfile = (name: string, specName: string, action: 'replace' | 'remove', change: string) => {
    then(b.add({ id: changeStepIds.fargateProfileDelete(name), kind: 'fargate-profile-delete', action, title: `delete Fargate profile ${name} (its pods are stopped, and rescheduled where another profile or a node takes them)`, change, dependsOn: [chain.at(-1)], subject: specName }));
  };
  // Every new profile first, then the old ones: a pod is never left without a profile to match.
  const deletions: (() => void)[] = [];
  next.fargateProfiles.forEach((profile, i) => {
    const before = live.fargateProfiles.find((p) => p.name === profile.name);
    if (before && same(before, profile)) {
      b.unchanged.push(`fargateProfiles/${profile.name}`);
      return;
    }
    b.accounted.add('fargateProfiles');
    for (const field of differingKeys(before, profile).filter((f) => before && f !== 'selectors')) {
      b.refuse(`/fargateProfiles/${i}/${field}`, `${field} of a Fargate profile cannot be changed by apply yet; the way out: add a profile with it and remove this one`);
    }
    const name = before ? freeName(profile.name, eksName(profile.name), taken) : profile.name;
    const change = before ? `selectors ${selectors(before)} → ${selectors(profile)}: profile ${eksName(profile.name)} is replaced by ${name} (EKS cannot update a profile)` : `new Fargate profile ${profile.name}`;
    then(b.add({
      id: stepIds.fargateProfile(name), kind: 'fargate-profile', action: before ? 'replace' : 'add', subject: profile.name,
      title: `create Fargate profile ${name} for ${profile.selectors.map((s) => s.namespace).join(', ')}`, change, dependsOn: [role, chain.at(-1)],
    }));
    if (before) deletions.push(() => deleteProfile(eksName(profile.name), profile.name, 'replace', change));
  });
  deletions.forEach((run) => run());
  for (const profile of live.fargateProfiles.filter((p) => !next.fargateProfiles.some((n) => n.name === p.name))) {
    b.accounted.add('fargateProfiles');
    deleteProfile(eksName(profile.name), profile.name, 'remove', `Fargate profile ${profile.name} is removed`);
  }
  return chain.filter((id) => id.startsWith('eks:fargate-profile/'));
}
