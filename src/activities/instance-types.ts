import { DescribeInstanceTypesCommand, type _InstanceType, type EC2Client, type InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { errorTypes } from '../domain/errors';
import { instanceRequirementsOf, selectedTypes, selectionLimitOf, type InstanceSelectorSpec } from '../domain/instance-selector';
import type { InstanceNetworkLimits } from '../domain/max-pods';
import { toFailure } from './aws/errors';
import type { NodeLaunchApi } from './aws/launch-templates';

/**
 * The network limits of instance types the shipped ENI table lacks (a type newer than the
 * table), from EC2 DescribeInstanceTypes — what max-pods-calculator.sh asks too:
 * NetworkInfo.MaximumNetworkInterfaces, NetworkInfo.Ipv4AddressesPerInterface, Hypervisor and
 * BareMetal (the VPC CNI assigns prefixes on Nitro or bare metal: amazon-vpc-cni-k8s
 * pkg/awsutils IsPrefixDelegationSupported), VCpuInfo.DefaultVCpus. The planner takes the
 * answer as `instanceLimits` (src/domain/planner.ts PlanOptions). Read-only: nothing to ledger.
 */
export interface InstanceTypeLimitsAnswer {
  limits: Record<string, InstanceNetworkLimits>;
  /** Types EC2 does not know in the region (it answers InvalidInstanceType). */
  unknown: string[];
}

// DescribeInstanceTypes takes at most 100 names a call (EC2 API reference, InstanceTypes).
const namesPerCall = 100;

const limitsOf = (info: InstanceTypeInfo): InstanceNetworkLimits | undefined => {
  const enis = info.NetworkInfo?.MaximumNetworkInterfaces;
  const ipv4PerEni = info.NetworkInfo?.Ipv4AddressesPerInterface;
  if (enis === undefined || ipv4PerEni === undefined) return undefined;
  const vcpus = info.VCpuInfo?.DefaultVCpus;
  return { enis, ipv4PerEni, prefixDelegation: info.Hypervisor === 'nitro' || info.BareMetal === true, ...(vcpus !== undefined ? { vcpus } : {}) };
};

export function createInstanceTypeActivities({ ec2 }: { ec2: EC2Client }) {
  const describe = async (types: string[]): Promise<InstanceTypeInfo[] | 'invalid'> => {
    try {
      return (await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: types as _InstanceType[] }))).InstanceTypes ?? [];
    } catch (error) {
      // One unknown name fails the whole call ("The following supplied instance types do not exist").
      if ((error as { name?: string }).name?.startsWith('InvalidInstanceType')) return 'invalid';
      throw toFailure(error, 'DescribeInstanceTypes');
    }
  };

  return {
    async describeInstanceNetworkLimits({ instanceTypes }: { instanceTypes: string[] }): Promise<InstanceTypeLimitsAnswer> {
      const answer: InstanceTypeLimitsAnswer = { limits: {}, unknown: [] };
      const wanted = [...new Set(instanceTypes)];
      const take = (infos: InstanceTypeInfo[]) => {
        for (const info of infos) {
          const limits = info.InstanceType ? limitsOf(info) : undefined;
          if (limits) answer.limits[info.InstanceType!] = limits;
        }
      };
      for (let i = 0; i < wanted.length; i += namesPerCall) {
        const batch = wanted.slice(i, i + namesPerCall);
        const infos = await describe(batch);
        if (infos !== 'invalid') {
          take(infos);
          continue;
        }
        // Ask one by one to tell the unknown names from the known.
        for (const type of batch) {
          const one = await describe([type]);
          if (one === 'invalid') answer.unknown.push(type);
          else take(one);
        }
      }
      for (const type of wanted) {
        if (!answer.limits[type] && !answer.unknown.includes(type)) answer.unknown.push(type);
      }
      return answer;
    },
  };
}

/**
 * A node group's instanceSelector resolved in its region just before the group is made, as
 * eksctl resolves it before it writes the group's template (pkg/eks/nodegroup_service.go
 * ExpandInstanceSelectorOptions): EC2 GetInstanceTypesFromInstanceRequirements asked what
 * src/domain/instance-selector.ts instanceRequirementsOf says, the answer sorted, refused when
 * empty or more than the group takes. Read-only: nothing to ledger or compensate.
 */
export function createInstanceSelectorActivities(nodeLaunch: NodeLaunchApi | undefined) {
  return {
    async selectInstanceTypes({ group, kind, selector }: { group: string; kind?: string; selector: InstanceSelectorSpec }): Promise<{ instanceTypes: string[] }> {
      if (!nodeLaunch) throw ApplicationFailure.nonRetryable('this worker has no EC2 client for node placement (nodeLaunch): it cannot resolve instance selectors', errorTypes.resourceFailed);
      const matched = await nodeLaunch.instanceTypesFromRequirements(instanceRequirementsOf(selector));
      const selected = selectedTypes(selector, matched, selectionLimitOf({ ...(kind ? { kind } : {}) }));
      if (!selected.ok) throw ApplicationFailure.nonRetryable(`node group ${group}: its instanceSelector ${selected.reason} (EC2 GetInstanceTypesFromInstanceRequirements in this region)`, errorTypes.invalidSpec);
      return { instanceTypes: selected.instanceTypes };
    },
  };
}
