/**
 * One-line summaries for the Temporal UI's timeline (user metadata on each activity and timer),
 * which otherwise labels them by type and sequence number ("describeCluster", "38 (5s)").
 * Pure and deterministic: built from the activity's type and arguments only.
 */

// "describeFargateProfile" → "Fargate profile"; the nouns people read in the plan.
const nouns: Record<string, string> = {
  Cluster: 'cluster', ClusterUpdate: 'cluster update', Nodegroup: 'node group', FargateProfile: 'Fargate profile', Role: 'IAM role', AddonRole: 'IAM role',
  OidcProvider: 'OIDC provider', EcrRepository: 'ECR repository', Network: 'VPC', NatGateways: 'NAT gateways', ControlPlaneLogging: 'control-plane logging',
  ClusterLeftover: 'what the cluster left', App: 'app', AppVpa: 'app VPA',
};

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? value as Record<string, unknown> : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** What an activity's arguments name: the node group, profile, add-on, role… or the cluster. */
function subjectOf(args: readonly unknown[]): string | undefined {
  const [first] = args;
  if (text(first)) return text(first);
  const input = record(first);
  const nested = (key: string) => text(record(input[key]).name);
  return text(input.name) ?? nested('nodegroup') ?? nested('group') ?? nested('profile') ?? nested('addon') ?? nested('app')
    ?? text(input.addon) ?? text(input.group) ?? text(input.issuerUrl)?.replace(/^https:\/\//, '') ?? text(input.nodegroup) ?? text(input.release) ?? text(input.repository) ?? text(input.vpcId) ?? text(input.environmentId) ?? text(input.cluster)
    ?? text(record(input.spec).name);
}

const cap = (summary: string) => (summary.length <= 120 ? summary : `${summary.slice(0, 119)}…`);

export function activitySummary(activityType: string, args: readonly unknown[]): string {
  const subject = subjectOf(args);
  const about = (noun: string) => (subject ? `${noun} ${subject}` : noun);
  const match = /^(ensure|describe|delete|apply)(.*)$/.exec(activityType);
  const noun = match ? (nouns[match[2]!] ?? match[2]!.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()) : '';
  switch (match?.[1]) {
    case 'ensure': return cap(`make ${about(noun)} (or adopt it if it is already this environment's)`);
    case 'describe': return cap(`${about(noun)}: ${activityType === 'describeClusterUpdate' ? 'done' : 'ready'} yet?`);
    case 'delete': return cap(`delete ${about(noun)}`);
    case 'apply': return cap(`apply ${about(noun)}`);
    default: break;
  }
  const known: Record<string, string> = {
    waitForNodesReady: `nodes of ${about('node group')} Ready?`,
    waitForKubeApiReady: `Kubernetes API of ${about('cluster')} answering?`,
    natGatewayStatus: `NAT gateways of ${subject ?? 'the VPC'} available?`,
    addonReadiness: `${about('add-on')} ready?`,
    installAddon: `helm install ${about('add-on')} and wait for it`,
    uninstallAddon: `uninstall ${about('add-on')}`,
    importImage: `copy the app's image into ${about('ECR repository')}`,
    appRollout: `${about('app')} rolled out?`,
    appEndpoint: `${about('app')}'s load balancer answering?`,
    runCorednsOnFargate: 'move CoreDNS onto Fargate',
    probeAutoscaling: 'autoscaling probe: does a pod past capacity bring a node?',
    verifyAutoscaling: 'are the autoscalers working?',
    cloudTimeScale: 'how fast does this cloud run? (1 on AWS)',
    scaleNodegroup: `scale ${about('node group')}`,
    discoverEnvironment: `find what ${subject ?? 'the environment'} has in AWS, by its tags`,
    removeApp: `remove ${about('app')}`,
    deleteLoadBalancedObjects: 'delete the load-balanced Services, and wait for their load balancers to go',
  };
  return cap(known[activityType] ?? (subject ? `${activityType} ${subject}` : activityType));
}
