import { capabilityTitle, hybridNodesRoleName } from './capabilities';
import type { EnvironmentSpec } from './environment-spec';
import type { AddStep } from './planner';

export const capabilityStepIds = {
  capability: (name: string) => `eks:capability/${name}`,
  hybridNodes: 'eks:hybrid-nodes',
} as const;

/**
 * EKS capabilities and hybrid nodes, once the cluster is ACTIVE (eksctl's creator checks the
 * cluster is not CREATING first: pkg/actions/capability/creator.go ensureClusterReady). One step
 * per capability: its role (unless roleArn), the capability, the wait until ACTIVE and its access
 * policies; capabilities are independent of each other (eksctl creates them in parallel). The
 * hybrid nodes step makes the Hybrid Nodes role (unless nodeRoleArn) and its HYBRID_LINUX access
 * entry. A spec without them gets no step, so earlier plans are unchanged.
 */
export function addCapabilitySteps(spec: EnvironmentSpec, add: AddStep, cluster: string): void {
  for (const capability of spec.capabilities ?? []) {
    add(capabilityStepIds.capability(capability.name), 'capability', capabilityTitle(spec.name, capability), [cluster], capability.name);
  }
  if (spec.remoteNetwork) {
    const role = spec.remoteNetwork.nodeRoleArn ?? `IAM role ${hybridNodesRoleName(spec.name)} (trusted by ssm.amazonaws.com for SSM hybrid activations)`;
    const networks = spec.remoteNetwork.remoteNodeNetworks.flatMap((n) => n.cidrs).join(', ');
    add(capabilityStepIds.hybridNodes, 'hybrid-nodes', `let hybrid nodes from ${networks} join: ${role} with a HYBRID_LINUX access entry`, [cluster]);
  }
}
