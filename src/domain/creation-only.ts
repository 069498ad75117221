import type { EnvironmentSpec, SpecError } from './environment-spec';

/**
 * What a spec may say of a live environment but not of one about to be made: the control
 * plane's subnets and security groups named by ID inside a VPC eksflow makes. That VPC and its
 * subnets get their IDs only when the run makes them, so such IDs can only be chosen afterwards,
 * by an apply (as eksctl's `utils update-cluster-vpc-config` changes a cluster that exists).
 * Checked when a creation is planned; a change plan takes them (src/domain/change-plan.ts).
 */
export function creationOnlyProblems(spec: Pick<EnvironmentSpec, 'network'>): SpecError[] {
  const { network } = spec;
  if (!network.vpc) return [];
  const later = 'the VPC eksflow makes, and so its subnets and security groups, get their IDs only when the run makes them';
  const problems: SpecError[] = [];
  if (network.controlPlaneSubnetIds !== undefined) {
    problems.push({ path: '/network/controlPlaneSubnetIds', message: `${later}: create the environment without them (network.vpc.controlPlaneOnPrivateSubnets puts the control plane in the private subnets), then apply them to it` });
  }
  if (network.securityGroupIds !== undefined) {
    problems.push({ path: '/network/securityGroupIds', message: `${later}: create the environment without them (the cluster security group EKS makes is always there), then apply them to it` });
  }
  return problems;
}
