import type { RemoteNetworks } from '../../activities/aws/eks';
import { cidrsOverlap, isPrivateBlock } from '../../domain/capabilities';
import { eksError } from './errors';

/**
 * CreateCluster's remoteNetworkConfig (EKS Hybrid Nodes), checked as the EKS API reference states
 * the rules (RemoteNodeNetwork, RemotePodNetwork): each block IPv4 within RFC 1918, /8 to /32, not
 * overlapping the VPC's CIDR, the Services' range or another remote block. The messages are the
 * simulation's: EKS's exact words are not published. Undefined without one.
 */
export function remoteNetworkOf(asked: RemoteNetworks | undefined, vpcCidr: string | undefined, serviceCidr: string | undefined): RemoteNetworks | undefined {
  if (!asked) return undefined;
  const blocks = [...asked.remoteNodeNetworks, ...(asked.remotePodNetworks ?? [])].flatMap((network) => network.cidrs);
  if (asked.remoteNodeNetworks.length === 0 || asked.remoteNodeNetworks.every((n) => n.cidrs.length === 0)) {
    throw eksError.invalidParameter('remoteNetworkConfig.remoteNodeNetworks must name at least one CIDR block');
  }
  blocks.forEach((cidr, i) => {
    const bits = Number(cidr.split('/')[1]);
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr) || bits < 8 || bits > 32 || !isPrivateBlock(cidr)) {
      throw eksError.invalidParameter(`The remote network CIDR ${cidr} is invalid: it must be an IPv4 block within an RFC-1918 range, between /8 and /32`);
    }
    if (vpcCidr && cidrsOverlap(cidr, vpcCidr)) throw eksError.invalidParameter(`The remote network CIDR ${cidr} overlaps the VPC CIDR ${vpcCidr}`);
    if (serviceCidr && cidrsOverlap(cidr, serviceCidr)) throw eksError.invalidParameter(`The remote network CIDR ${cidr} overlaps the service IPv4 CIDR ${serviceCidr}`);
    const clash = blocks.slice(0, i).find((other) => cidrsOverlap(other, cidr));
    if (clash) throw eksError.invalidParameter(`The remote network CIDRs ${clash} and ${cidr} overlap`);
  });
  return structuredClone(asked);
}
