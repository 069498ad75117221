import {
  DeleteNetworkInterfaceCommand, DeleteSecurityGroupCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { aws, awsOrUndefined } from './errors';
import { defaultPatience, notYetByCall, type NotYet, type Patience } from './not-yet';

/**
 * What a cluster makes on its own and leaves behind when deleted carelessly: load
 * balancers and target groups of the Load Balancer Controller, security groups and ENIs
 * of the VPC CNI. Found by the tags Kubernetes puts on them, and nothing else.
 */
export interface NetworkLeftoversApi {
  loadBalancersTagged(key: string, value: string): Promise<string[]>;
  targetGroupsTagged(key: string, value: string): Promise<string[]>;
  securityGroupsTagged(key: string): Promise<string[]>;
  networkInterfacesTagged(key: string): Promise<string[]>;
  deleteLoadBalancer(arn: string): Promise<void>;
  deleteTargetGroup(arn: string): Promise<void>;
  deleteSecurityGroup(id: string): Promise<void>;
  deleteNetworkInterface(id: string): Promise<void>;
}

const gone = async (action: string, call: () => Promise<unknown>, notYet: readonly NotYet[] = []): Promise<void> => void (await awsOrUndefined(action, call, notYet));

export function networkLeftoversApi(ec2: EC2Client, elbv2: ElasticLoadBalancingV2Client, patience: Patience = defaultPatience): NetworkLeftoversApi {
  const notYet = notYetByCall(patience);
  // DescribeTags takes at most 20 ARNs a call.
  async function tagged(arns: string[], key: string, value: string): Promise<string[]> {
    const matches: string[] = [];
    for (let i = 0; i < arns.length; i += 20) {
      const page = await aws('DescribeTags', () => elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) })));
      for (const description of page.TagDescriptions ?? []) {
        if (description.Tags?.some((tag) => tag.Key === key && tag.Value === value)) matches.push(description.ResourceArn!);
      }
    }
    return matches;
  }
  return {
    async loadBalancersTagged(key, value) {
      const all = await aws('DescribeLoadBalancers', () => elbv2.send(new DescribeLoadBalancersCommand({})));
      return tagged((all.LoadBalancers ?? []).map((lb) => lb.LoadBalancerArn!), key, value);
    },
    async targetGroupsTagged(key, value) {
      const all = await aws('DescribeTargetGroups', () => elbv2.send(new DescribeTargetGroupsCommand({})));
      return tagged((all.TargetGroups ?? []).map((tg) => tg.TargetGroupArn!), key, value);
    },
    async securityGroupsTagged(key) {
      const found = await aws('DescribeSecurityGroups', () => ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag-key', Values: [key] }] })));
      return (found.SecurityGroups ?? []).map((group) => group.GroupId!);
    },
    async networkInterfacesTagged(key) {
      const found = await aws('DescribeNetworkInterfaces', () => ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag-key', Values: [key] }] })));
      return (found.NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId!);
    },
    // A thing already gone is a delete done.
    deleteLoadBalancer: (arn) => gone(`DeleteLoadBalancer ${arn}`, () => elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }))),
    deleteTargetGroup: (arn) => gone(`DeleteTargetGroup ${arn}`, () => elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), notYet.DeleteTargetGroup),
    deleteSecurityGroup: (id) => gone(`DeleteSecurityGroup ${id}`, () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }))),
    deleteNetworkInterface: (id) => gone(`DeleteNetworkInterface ${id}`, () => ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }))),
  };
}
