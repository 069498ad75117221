import { appLabelKeys, appNamespace, appSelector, labelValue } from './app-manifests';
import type { AppSpec } from './environment-spec';

/**
 * Security groups for pods: a SecurityGroupPolicy (vpcresources.k8s.aws/v1beta1, served by the
 * VPC resource controller EKS runs for every cluster) that gives the app's pods their own branch
 * ENI with the groups the spec names. It takes effect only with the VPC CNI's ENABLE_POD_ENI and
 * the cluster role's AmazonEKSVPCResourceController (eksAddons.vpc-cni.podSecurityGroups; the
 * spec refuses securityGroupIds without it), and only for pods created after it: it is applied
 * before the Deployment. EKS user guide, "Security groups for Pods"; the CRD's shape is
 * aws/amazon-vpc-resource-controller-k8s config/crd/bases/vpcresources.k8s.aws_securitygrouppolicies.yaml.
 */
export interface SecurityGroupPolicy {
  apiVersion: 'vpcresources.k8s.aws/v1beta1';
  kind: 'SecurityGroupPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { podSelector: { matchLabels: Record<string, string> }; securityGroups: { groupIds: string[] } };
}

export function appSecurityGroupPolicy(app: AppSpec, labels: { environment: string }): SecurityGroupPolicy | undefined {
  if (!app.securityGroupIds?.length) return undefined;
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: {
      name: app.name, namespace: appNamespace(app),
      labels: { ...appSelector(app), [appLabelKeys.managedBy]: 'eksflow', [appLabelKeys.environment]: labelValue(labels.environment) },
    },
    spec: { podSelector: { matchLabels: appSelector(app) }, securityGroups: { groupIds: [...app.securityGroupIds] } },
  };
}
