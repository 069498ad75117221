import type { AccessEntrySpec, AccessPolicySpec } from './access-entries';
import { clusterAutoscalerImageTags, requestedAddons, type KubernetesMinor, type ResolvedAddon } from './addon-catalog';
import { changeStepIds, differingKeys, fromTo, mapChange, same, show, type ChangeBuilder } from './change-plan-builder';
import type { ChangeAction } from './change-plan';
import { clusterRoleExtraPolicies, configurationOverlay, coreAddonNames, coreAddonRole, coreAddonsNeedingNodes, type CoreAddonSpec } from './eks-addons';
import { coreAddonStepIds } from './eks-addons-plan';
import type { AddonName, EnvironmentSpec } from './environment-spec';
import type { StepKind } from './latency';
import { addAppSteps, buildSourceText, corednsNeedsFargate, imageBuildTitle, stepIds, type AddStep } from './planner';

/**
 * What runs on the cluster, in a change plan: the core EKS add-ons, the catalog's add-ons, the
 * image and the app, who may use the cluster, and the autoscaling check. Pure.
 */

interface At {
  /** The Kubernetes minor the control plane is upgraded to, when it is. */
  upgradedTo?: string;
  /** New nodes (and CoreDNS moved onto Fargate) that new pods wait for. */
  compute: string[];
}

// EKS makes these three on every cluster (bootstrapSelfManagedAddons): deleting the managed
// add-on keeps their software running (DeleteAddon --preserve), or pods lose networking and DNS.
const preservedOnDelete: ReadonlySet<string> = new Set(['vpc-cni', 'coredns', 'kube-proxy']);

/** The core EKS add-ons: made, updated (options, or the new minor's version) or deleted. */
export function addEksAddonChanges(b: ChangeBuilder, { upgradedTo, compute }: At): void {
  const { live, next } = b;
  const region = next.region;
  const made: string[] = [];
  const clusterRole = same(clusterRoleExtraPolicies(live.eksAddons, region), clusterRoleExtraPolicies(next.eksAddons, region)) ? undefined
    : b.add({ id: stepIds.clusterRole, kind: 'cluster-role', action: 'update', title: `ensure IAM role ${next.name}-cluster with its policies`, change: `policies for security groups for pods: ${fromTo('', clusterRoleExtraPolicies(live.eksAddons, region).map(policyName), clusterRoleExtraPolicies(next.eksAddons, region).map(policyName)).trim()}` });
  for (const name of coreAddonNames) {
    const before = live.eksAddons?.[name] as CoreAddonSpec | undefined;
    const after = next.eksAddons?.[name] as CoreAddonSpec | undefined;
    if (!before && !after) continue;
    const role = after && coreAddonRole(name, after, region, next.kubernetesNetwork?.ipFamily);
    const roleChanged = !same(before && coreAddonRole(name, before, region, live.kubernetesNetwork?.ipFamily), role);
    if (!after) {
      b.accounted.add('eksAddons');
      b.add({
        id: changeStepIds.eksAddonDelete(name), kind: 'eks-addon-delete', action: 'remove', subject: name,
        title: `delete EKS add-on ${name}${preservedOnDelete.has(name) ? ' (--preserve: its pods keep running, self-managed, as on a new cluster)' : ' and its pods'}${coreAddonRole(name, before!, region, live.kubernetesNetwork?.ipFamily) ? ', and its IRSA role' : ''}`,
        change: `${name} is no longer an EKS managed add-on`, dependsOn: [name === 'vpc-cni' ? clusterRole : undefined],
      });
      continue;
    }
    const roleStep = role && roleChanged
      ? b.add({ id: coreAddonStepIds.role(name), kind: 'irsa-role', action: before ? 'update' : 'add', subject: name, title: `ensure IAM role for ${role.namespace}/${role.serviceAccount} (IRSA) with ${role.managedPolicyArns.map(policyName).join(', ')}`, change: `IRSA role of ${name}` })
      : undefined;
    if (!before) {
      b.accounted.add('eksAddons');
      made.push(b.add({
        id: coreAddonStepIds.addon(name), kind: 'eks-addon', action: 'add', subject: name,
        title: `create EKS add-on ${name} (${after.version ?? `the default for ${next.kubernetesVersion}`}) and wait until ACTIVE`, change: `new EKS add-on ${name}`,
        dependsOn: [roleStep, name === 'vpc-cni' ? clusterRole : undefined, ...(coreAddonsNeedingNodes.has(name) ? compute : [])],
      }));
      continue;
    }
    const changes = differingKeys(before, after).map((field) => {
      if (field === 'configurationValues') return 'configurationValues changed';
      if (field === 'tags') return `tags ${mapChange(before.tags, after.tags)}`;
      return fromTo(field, before[field], after[field]);
    });
    const overlay = (spec: EnvironmentSpec, options: CoreAddonSpec) => configurationOverlay(name, options, { corednsOnFargate: corednsNeedsFargate(spec) });
    if (changes.length === 0 && !same(overlay(live, before), overlay(next, after))) changes.push(`eksflow's configuration: ${show(overlay(live, before))} → ${show(overlay(next, after))}`);
    if (changes.length > 0) b.accounted.add('eksAddons');
    if (upgradedTo) changes.push(`version for Kubernetes ${upgradedTo}: ${after.version === undefined ? `the default version for ${upgradedTo}` : after.version === 'latest' ? `the latest for ${upgradedTo}` : `${after.version}, checked for ${upgradedTo}`}`);
    if (changes.length === 0) {
      b.unchanged.push(`eksAddons/${name}`);
      continue;
    }
    made.push(b.add({
      id: changeStepIds.eksAddonUpdate(name), kind: 'eks-addon-update', action: 'update', subject: name,
      title: `update EKS add-on ${name} (UpdateAddon, resolveConflicts ${after.resolveConflicts}) and wait until ACTIVE`, change: changes.join('; '),
      // As when made: a Deployment add-on after the new compute (CoreDNS's Fargate configuration once it runs there).
      dependsOn: [roleStep, name === 'vpc-cni' ? clusterRole : undefined, ...(coreAddonsNeedingNodes.has(name) ? compute : [])],
    }));
  }
  if (made.length === 0) return;
  // Versions and configurationValues are checked against EKS before anything changes, as in a creation.
  const requested = coreAddonNames.filter((name) => next.eksAddons?.[name]);
  b.add({
    id: coreAddonStepIds.check, kind: 'eks-addons-check', action: 'update', title: `check ${requested.join(', ')} against EKS: versions for Kubernetes ${next.kubernetesVersion} (DescribeAddonVersions), configurationValues against their schemas (DescribeAddonConfiguration)`,
    change: 'nothing changes: what the add-on steps send is checked first',
  });
  for (const id of made) b.step(id)!.dependsOn.unshift(coreAddonStepIds.check);
}

const policyName = (arn: string) => arn.split('/').pop()!;

/** A catalog add-on's versions for a minor: its chart (or EKS add-on) version, and the image that must match the minor. */
function versionPins(addon: ResolvedAddon, minor: KubernetesMinor): Record<string, string> {
  const { install } = addon;
  return {
    ...(install.method === 'helm' ? { [`chart ${install.chart.name}`]: install.chart.version } : {}),
    ...(install.method === 'eks-addon' ? { [`EKS add-on ${install.addonName}`]: install.version } : {}),
    // Cluster Autoscaler is released per minor and must match the control plane's (addon-catalog).
    ...(addon.name === 'cluster-autoscaler' ? { image: clusterAutoscalerImageTags[minor] } : {}),
  };
}

/** What an upgrade cannot change: where and how the add-on is installed, and its AWS identity. */
function installIdentity(addon: ResolvedAddon): unknown {
  const { install } = addon;
  return {
    namespace: addon.namespace, method: install.method, iam: addon.iam,
    ...(install.method === 'helm' ? { release: install.release, repo: install.chart.repo, chart: install.chart.name } : {}),
    ...(install.method === 'eks-addon' ? { addonName: install.addonName } : {}),
  };
}

/**
 * The catalog's add-ons: new ones in dependency order after the new compute (and after an
 * interceptor such as the load balancer controller when it is new too); upgraded when their
 * options or their pins for the new minor change; replaced (uninstalled, then installed) when
 * the options change how or where they install; removed after the app and after what depends
 * on them.
 */
export function addAddonChanges(b: ChangeBuilder, { compute }: At): void {
  const { live, next } = b;
  const before = new Map(requestedAddons(live).map((a) => [a.name, a]));
  const after = requestedAddons(next);
  const coreUpdates = b.ids('eks-addon-update');
  const addonOf = (id: string) => after.find((a) => stepIds.addon(a.name) === id);
  const installed = (addon: ResolvedAddon, action: ChangeAction, change: string, prior: string[]) => {
    const irsa = addon.iam ? b.add({ id: stepIds.irsaRole(addon.name), kind: 'irsa-role', action, subject: addon.name, title: `ensure IAM role for ${addon.iam.namespace}/${addon.iam.serviceAccount} (IRSA)`, change, dependsOn: prior }) : undefined;
    const how = addon.install.method === 'helm' ? `Helm chart ${addon.install.chart.name} ${addon.install.chart.version}`
      : addon.install.method === 'eks-addon' ? `EKS add-on ${addon.install.addonName} ${addon.install.version}` : 'manifests';
    // As in a creation: an interceptor's webhook refuses Services until it answers, so what is installed beside it waits.
    const interceptors = addon.interceptsServices ? [] : b.steps.filter((s) => s.kind === 'addon' && addonOf(s.id)?.interceptsServices).map((s) => s.id);
    b.add({
      id: stepIds.addon(addon.name), kind: 'addon', action, subject: addon.name, title: `install ${addon.title} (${how}) and wait until ready`, change,
      dependsOn: [...prior, ...compute, irsa, ...addon.dependsOn.map(stepIds.addon).filter((id) => b.has(id)), ...interceptors],
    });
  };
  for (const addon of after) {
    const old = before.get(addon.name);
    if (!old) {
      b.accounted.add('addons');
      installed(addon, 'add', `new add-on ${addon.name}`, []);
      continue;
    }
    const options = differingKeys(live.addons[addon.name] ?? {}, next.addons[addon.name] ?? {})
      .map((key) => fromTo(`${addon.name}.${key}`, (live.addons[addon.name] as Record<string, unknown>)[key], (next.addons[addon.name] as Record<string, unknown>)[key]));
    if (options.length > 0) b.accounted.add('addons');
    if (!same(installIdentity(old), installIdentity(addon))) {
      const change = `${options.join('; ')}: ${old.title} is uninstalled, then ${addon.title} installed (they install differently)`;
      b.add({ id: changeStepIds.addonRemove(addon.name), kind: 'addon-remove', action: 'replace', subject: addon.name, title: `uninstall ${old.title}`, change });
      installed(addon, 'replace', change, [changeStepIds.addonRemove(addon.name)]);
      continue;
    }
    const [pinsBefore, pinsAfter] = [versionPins(old, live.kubernetesVersion), versionPins(addon, next.kubernetesVersion)];
    const pins = differingKeys(pinsBefore, pinsAfter).map((key) => fromTo(key, pinsBefore[key], pinsAfter[key]));
    if (options.length === 0 && pins.length === 0) {
      b.unchanged.push(`addons/${addon.name}`);
      continue;
    }
    b.add({
      id: changeStepIds.addonUpgrade(addon.name), kind: 'addon-upgrade', action: 'update', subject: addon.name,
      title: `upgrade ${addon.title} in place and wait until ready`, change: [...pins, ...options].join('; '), dependsOn: coreUpdates,
    });
  }
  const removed = [...before.values()].filter((a) => !next.addons[a.name]);
  for (const addon of removed) {
    b.accounted.add('addons');
    // A dependent goes before what it depends on; the app (and its NLB, which the controller deletes) before any.
    const dependents = removed.filter((other) => other.dependsOn.includes(addon.name)).map((other) => changeStepIds.addonRemove(other.name));
    b.add({
      id: changeStepIds.addonRemove(addon.name), kind: 'addon-remove', action: 'remove', subject: addon.name,
      title: `uninstall ${addon.title}${addon.iam ? ' and delete its IRSA role' : ''}`, change: `add-on ${addon.name} is removed`,
      dependsOn: [...dependents, b.has(changeStepIds.appRemove) ? changeStepIds.appRemove : undefined],
    });
  }
}

/** "repo:tag (from source)", "repo:tag (built from …)" or the uri: the image as a person reads it. */
const imageOf = (spec: EnvironmentSpec) => spec.image?.uri
  ?? (spec.image?.import ? `${spec.image.import.repository}:${spec.image.import.tag} (from ${spec.image.import.source})` : undefined)
  ?? (spec.image?.build ? `${spec.image.build.repository}:${spec.image.build.tag} (built from ${spec.image.build.dockerfile} of ${buildSourceText(spec.image.build)})` : undefined);

// The app's fields a rollout applies (its Deployment, Service, HPA, VPA and SecurityGroupPolicy).
const rolloutFields: ReadonlySet<string> = new Set([
  'replicas', 'containerPort', 'servicePort', 'scheme', 'requests', 'limits', 'env', 'healthCheck', 'hpa', 'securityGroupIds', 'serviceAccount', 'vpa',
]);
// Fields of the app's Service: the controller reconciles the NLB, which is waited for again.
const loadBalancerFields: ReadonlySet<string> = new Set(['servicePort', 'scheme']);

/** The image (imported again when its source changes, built again when its build does) and the app (rolled, made, replaced or removed). Runs before the add-ons' part, which removes add-ons after the app. */
export function addAppChanges(b: ChangeBuilder, { compute }: At): void {
  const { live, next } = b;
  const [importBefore, importAfter] = [live.image?.import, next.image?.import];
  const [buildBefore, buildAfter] = [live.image?.build, next.image?.build];
  // The ECR repository an import or a build pushes to.
  const [ecrBefore, ecrAfter] = [importBefore ?? buildBefore, importAfter ?? buildAfter];
  if (!same(live.image, next.image)) b.accounted.add('image');
  else if (live.image) b.unchanged.push('image');
  const repository = ecrAfter && ecrAfter.repository !== ecrBefore?.repository
    ? b.add({ id: stepIds.ecrRepository, kind: 'ecr-repository', action: 'add', title: `ensure ECR repository ${ecrAfter.repository} (scan on push)`, change: `images now go to ${ecrAfter.repository}` })
    : undefined;
  const newImage = importAfter && !same(importBefore, importAfter)
    ? b.add({ id: stepIds.imageImport, kind: 'image-import', action: importBefore ? 'update' : 'add', title: `copy ${importAfter.source} to ${importAfter.repository}:${importAfter.tag}`, change: fromTo('image', imageOf(live), imageOf(next)), dependsOn: [repository] })
    : buildAfter && !same(buildBefore, buildAfter)
      ? b.add({ id: stepIds.imageBuild, kind: 'image-build', action: buildBefore ? 'update' : 'add', title: imageBuildTitle(buildAfter), change: fromTo('image', imageOf(live), imageOf(next)), dependsOn: [repository] })
      : undefined;
  const [appBefore, appAfter] = [live.app, next.app];
  const namespaceOf = (app: NonNullable<EnvironmentSpec['app']>) => app.namespace ?? app.name;
  // What a rollout or a new app waits for, when this plan installs or upgrades it.
  const addonSteps = (names: (AddonName | false | undefined)[]) => names.filter((n): n is AddonName => Boolean(n))
    .flatMap((n) => [stepIds.addon(n), changeStepIds.addonUpgrade(n)]);
  if (!appBefore && !appAfter) {
    if (!same(live.image, next.image) && !newImage) b.settings.push(`${fromTo('image', imageOf(live), imageOf(next))} (no app runs it)`);
    return;
  }
  if (appBefore && (!appAfter || namespaceOf(appBefore) !== namespaceOf(appAfter) || appBefore.name !== appAfter.name)) {
    b.accounted.add('app');
    const change = appAfter ? `app ${namespaceOf(appBefore)}/${appBefore.name} is replaced by ${namespaceOf(appAfter)}/${appAfter.name}` : `app ${appBefore.name} is removed`;
    b.add({ id: changeStepIds.appRemove, kind: 'app-remove', action: appAfter ? 'replace' : 'remove', title: `delete ${appBefore.name}, its Service and NLB, and its namespace ${namespaceOf(appBefore)}`, change });
    if (!appAfter) return;
  }
  if (!appBefore || b.has(changeStepIds.appRemove)) {
    b.accounted.add('app');
    const action: ChangeAction = appBefore ? 'replace' : 'add';
    const change = appBefore ? b.step(changeStepIds.appRemove)!.change : `new app ${appAfter!.name}`;
    const add: AddStep = (id, kind, title, dependsOn = []) => { b.add({ id, kind, action, title, change, dependsOn: dependsOn.filter((d) => d === undefined || b.has(d)) }); };
    const needs = addonSteps(['aws-load-balancer-controller', appAfter!.hpa && 'metrics-server', appAfter!.vpa && 'vertical-pod-autoscaler']);
    // The add-on steps are added after this part: their ids are kept when the plan has them, at the end.
    b.deferred.push(() => {
      const app = b.step(stepIds.app)!;
      app.dependsOn.push(...needs.filter((id) => b.has(id) && id !== stepIds.addon('vertical-pod-autoscaler')), ...b.ids('eks-addon'));
      const vpa = b.step(stepIds.appVpa);
      if (vpa && b.has(stepIds.addon('vertical-pod-autoscaler'))) vpa.dependsOn.push(stepIds.addon('vertical-pod-autoscaler'));
    });
    addAppSteps(appAfter!, add, { after: [...compute, newImage, appBefore ? changeStepIds.appRemove : undefined] });
    return;
  }
  const app = appAfter!;
  const fields = differingKeys(appBefore, app).filter((f) => f !== 'name' && f !== 'namespace');
  for (const field of fields.filter((f) => !rolloutFields.has(f))) b.refuse(`/app/${field}`, `app.${field} cannot be changed by apply yet; the way out: remove the app in one apply and add it back in the next`);
  const changes = fields.filter((f) => rolloutFields.has(f)).map((f) => (f === 'env' ? `env ${mapChange(appBefore[f], app[f])}` : fromTo(f, appBefore[f], app[f])));
  if (!same(live.image, next.image)) {
    const kept = ecrBefore && ecrAfter?.repository !== ecrBefore.repository ? `; the ECR repository ${ecrBefore.repository} is kept` : '';
    changes.unshift(`${fromTo('image', imageOf(live), imageOf(next))}${kept}`);
  }
  if (changes.length === 0) {
    b.unchanged.push('app');
    return;
  }
  b.accounted.add('app');
  const needs = addonSteps(['aws-load-balancer-controller', app.hpa && 'metrics-server', app.vpa && 'vertical-pod-autoscaler']);
  const rollout = b.add({
    id: changeStepIds.appRollout, kind: 'app-update', action: 'update', title: `apply ${app.name}'s Deployment, Service, HPA and VPA and wait for the rollout`, change: changes.join('; '),
    dependsOn: [newImage, ...compute],
  });
  b.deferred.push(() => b.step(rollout)!.dependsOn.push(...needs.filter((id) => b.has(id)), ...b.ids('eks-addon')));
  if (fields.some((f) => loadBalancerFields.has(f))) {
    b.add({ id: stepIds.appLoadBalancer, kind: 'nlb', action: 'update', title: `wait for the ${app.scheme} NLB of ${app.name} on port ${app.servicePort}`, change: fields.filter((f) => loadBalancerFields.has(f)).map((f) => fromTo(f, appBefore[f], app[f])).join('; '), dependsOn: [rollout] });
  }
}

const policyText = (p: AccessPolicySpec) => `${p.policy.replace(/^AmazonEKS|Policy$/g, '')} on ${p.scope === 'cluster' ? 'the cluster' : (p.namespaces ?? []).join(', ')}`;
const entryText = (e: AccessEntrySpec) => `${e.principalArn}${e.type === 'STANDARD' ? '' : ` (${e.type})`}`;

/** Access entries per principal: granted, changed (a new type makes a new entry), revoked. */
export function addAccessChanges(b: ChangeBuilder): void {
  const { live, next } = b;
  const before = live.access?.entries ?? [];
  const after = next.access?.entries ?? [];
  const mode = (spec: EnvironmentSpec) => spec.access?.authenticationMode ?? 'API_AND_CONFIG_MAP';
  if (mode(live) !== mode(next)) {
    b.refuse('/access/authenticationMode', `the authentication mode cannot be changed by apply yet (EKS moves it only forward, CONFIG_MAP → API_AND_CONFIG_MAP → API); the way out: aws eks update-cluster-config --access-config authenticationMode=${mode(next)}, then apply`);
  }
  if (JSON.stringify(live.access?.awsAuth ?? null) !== JSON.stringify(next.access?.awsAuth ?? null)) {
    b.refuse('/access/awsAuth', 'aws-auth mappings are made with the environment and cannot be changed by apply yet; the way out: recreate the environment, or edit kube-system/aws-auth by hand');
  }
  const creatorAdmin = (spec: EnvironmentSpec) => spec.access?.bootstrapClusterCreatorAdminPermissions ?? true;
  if (creatorAdmin(live) !== creatorAdmin(next)) {
    b.refuse('/access/bootstrapClusterCreatorAdminPermissions', 'is set only when the cluster is created (CreateCluster accessConfig; EKS has no update for it); to change who administers the cluster, add or remove access entries');
  }
  const step = (id: string, kind: StepKind, action: ChangeAction, title: string, change: string, principalArn: string, dependsOn: string[] = []) =>
    b.add({ id, kind, action, title, change, subject: principalArn, dependsOn });
  after.forEach((entry, i) => {
    const old = before.find((e) => e.principalArn === entry.principalArn);
    const grant = `grant ${entryText(entry)}${entry.accessPolicies.length ? `: ${entry.accessPolicies.map(policyText).join('; ')}` : ''}${entry.kubernetesGroups?.length ? `; groups ${entry.kubernetesGroups.join(', ')}` : ''}`;
    if (!old) {
      b.accounted.add('access');
      step(stepIds.accessEntry(entry.principalArn), 'access-entry', 'add', grant, `new access entry for ${entry.principalArn}`, entry.principalArn);
      return;
    }
    const fields = differingKeys(old, entry);
    if (fields.length === 0) {
      b.unchanged.push(`access/${entry.principalArn}`);
      return;
    }
    b.accounted.add('access');
    if (fields.includes('type')) {
      // UpdateAccessEntry takes groups and username only: a new type is a new entry.
      const change = `type ${old.type} → ${entry.type}: the entry is deleted and made again`;
      const deleted = step(changeStepIds.accessEntryDelete(entry.principalArn), 'access-entry-delete', 'replace', `revoke ${entryText(old)}`, change, entry.principalArn);
      step(stepIds.accessEntry(entry.principalArn), 'access-entry', 'replace', grant, change, entry.principalArn, [deleted]);
      return;
    }
    const changes = fields.map((field) => {
      if (field === 'kubernetesGroups') return fromTo('kubernetesGroups', old.kubernetesGroups, entry.kubernetesGroups);
      if (field === 'accessPolicies') {
        const [was, now] = [old.accessPolicies.map(policyText), entry.accessPolicies.map(policyText)];
        return `accessPolicies ${[...now.filter((p) => !was.includes(p)).map((p) => `+${p}`), ...was.filter((p) => !now.includes(p)).map((p) => `-${p}`)].join(', ')}`;
      }
      b.refuse(`/access/entries/${i}/${field}`, `${field} of an access entry cannot be changed by apply yet; the way out: remove the entry in one apply and add it in the next`);
      return undefined;
    }).filter((c): c is string => c !== undefined);
    if (changes.length > 0) step(changeStepIds.accessEntryUpdate(entry.principalArn), 'access-entry-update', 'update', `update the access entry of ${entryText(entry)} (UpdateAccessEntry, policy associations)`, changes.join('; '), entry.principalArn);
  });
  for (const old of before.filter((e) => !after.some((n) => n.principalArn === e.principalArn))) {
    b.accounted.add('access');
    step(changeStepIds.accessEntryDelete(old.principalArn), 'access-entry-delete', 'remove', `revoke ${entryText(old)} (DeleteAccessEntry and its policy associations)`, `access entry of ${old.principalArn} is removed`, old.principalArn);
  }
}

/** The autoscaling check runs again when it changes, after what it verifies; dropping it undoes nothing. */
export function addAutoscalingChange(b: ChangeBuilder): void {
  const { live, next } = b;
  if (same(live.autoscaling, next.autoscaling)) {
    if (live.autoscaling) b.unchanged.push('autoscaling');
    return;
  }
  b.accounted.add('autoscaling');
  if (!next.autoscaling) {
    b.settings.push(`autoscaling check (${live.autoscaling!.verify}) dropped: it verified once, so nothing is undone`);
    return;
  }
  const after = [stepIds.app, changeStepIds.appRollout, stepIds.addon('cluster-autoscaler'), changeStepIds.addonUpgrade('cluster-autoscaler'), stepIds.addon('metrics-server'), changeStepIds.addonUpgrade('metrics-server')];
  b.add({
    id: stepIds.autoscalingCheck, kind: 'autoscaling-check', action: live.autoscaling ? 'update' : 'add', title: `verify autoscaling (${next.autoscaling.verify})`,
    change: fromTo('autoscaling.verify', live.autoscaling?.verify, next.autoscaling.verify), dependsOn: after.filter((id) => b.has(id)),
  });
}
