import { roleNames } from './names';

/** A trust policy letting an AWS service assume the role. */
export const assumedBy = (service: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
});

const awsManaged = (name: string) => `arn:aws:iam::aws:policy/${name}`;

/** The roles EKS assumes for an environment, with the managed policies AWS documents for each. */
export const serviceRoles = {
  cluster: { service: 'eks.amazonaws.com', purpose: 'EKS control plane', name: roleNames.cluster, policies: [awsManaged('AmazonEKSClusterPolicy')] },
  node: {
    service: 'ec2.amazonaws.com', purpose: 'worker nodes', name: roleNames.node,
    policies: [awsManaged('AmazonEKSWorkerNodePolicy'), awsManaged('AmazonEKS_CNI_Policy'), awsManaged('AmazonEC2ContainerRegistryReadOnly')],
  },
  fargate: { service: 'eks-fargate-pods.amazonaws.com', purpose: 'Fargate pods', name: roleNames.fargate, policies: [awsManaged('AmazonEKSFargatePodExecutionRolePolicy')] },
} as const;

export type ServiceRole = keyof typeof serviceRoles;
