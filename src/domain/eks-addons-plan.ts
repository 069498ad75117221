import { coreAddonRole, coreAddonsNeedingNodes, requestedCoreAddons } from './eks-addons';
import type { EnvironmentSpec } from './environment-spec';
import type { StepKind } from './latency';

/**
 * The core EKS add-ons' steps in a plan. Only a spec with `eksAddons` gets any, so the plans of
 * runs started before (and of specs without them) are unchanged and their histories replay.
 * - `eks:addons-check` first, before every other step: versions and configurationValues are
 *   checked against EKS before anything is made (a refusal leaves nothing to roll back);
 * - each add-on after the cluster (and its IRSA role, after the OIDC provider);
 * - DaemonSet add-ons (vpc-cni, kube-proxy, eks-pod-identity-agent) beside the node groups:
 *   EKS reports them ACTIVE with zero nodes, and EKS's own self-managed copies keep the nodes
 *   joining meanwhile; coredns and aws-ebs-csi-driver (Deployments) after the compute is Ready,
 *   since EKS keeps them DEGRADED until their replicas can run (and on a Fargate-only cluster
 *   after CoreDNS was moved onto Fargate);
 * - the app after all of them, so it starts on the networking and DNS it will keep.
 */

interface Step { id: string; kind: StepKind; dependsOn: string[]; subject?: string }
type AddStep = (id: string, kind: StepKind, title: string, dependsOn?: (string | undefined)[], subject?: string) => void;

export const coreAddonStepIds = {
  check: 'eks:addons-check',
  addon: (name: string) => `eks:addon/${name}`,
  role: (name: string) => `iam:irsa/${name}`,
} as const;

export function addCoreAddonSteps(
  spec: EnvironmentSpec, steps: Step[], add: AddStep,
  ids: { cluster: string; oidcProvider: string; app: string; compute: (string | undefined)[] },
): void {
  const requested = requestedCoreAddons(spec.eksAddons);
  if (requested.length === 0) return;
  const roots = steps.filter((step) => step.dependsOn.length === 0);
  add(coreAddonStepIds.check, 'eks-addons-check',
    `check ${requested.map(([name]) => name).join(', ')} against EKS: versions for Kubernetes ${spec.kubernetesVersion} (DescribeAddonVersions), configurationValues against their schemas (DescribeAddonConfiguration)`);
  for (const root of roots) root.dependsOn.unshift(coreAddonStepIds.check);
  const made: string[] = [];
  for (const [name, options] of requested) {
    const role = coreAddonRole(name, options, spec.region, spec.kubernetesNetwork?.ipFamily);
    if (role) {
      const policies = [...role.managedPolicyArns.map((arn) => arn.split('/').pop()), ...Object.keys(role.inlinePolicies ?? {}).map((policy) => `inline policy ${policy}`)];
      add(coreAddonStepIds.role(name), 'irsa-role', `ensure IAM role for ${role.namespace}/${role.serviceAccount} (IRSA) with ${policies.join(', ')}`, [ids.oidcProvider], name);
    }
    const version = options.version ?? `the default for ${spec.kubernetesVersion}`;
    add(coreAddonStepIds.addon(name), 'eks-addon', `create EKS add-on ${name} (${version}) and wait until ACTIVE`, [
      ids.cluster, coreAddonStepIds.check, role ? coreAddonStepIds.role(name) : undefined, ...(coreAddonsNeedingNodes.has(name) ? ids.compute : []),
    ], name);
    made.push(coreAddonStepIds.addon(name));
  }
  const app = steps.find((step) => step.id === ids.app);
  if (app) app.dependsOn.push(...made);
}
