export { SimulatedAws, type AwsApis, type AwsInventory, type SimulatedAwsOptions } from './simulated-aws';
export type { ClusterCompute } from './eks';
export type { ClusterEndpoint } from './eks-state';
export type { LoadBalancer } from './network-leftovers';
export { SimulatedAwsError } from './errors';
