/**
 * A kubeconfig for an environment's cluster, in the shape `aws eks update-kubeconfig` and
 * `eksctl utils write-kubeconfig` write: the endpoint, the cluster's CA, and an `exec` user
 * that runs `aws eks get-token` on the user's machine. It holds no secret: the token is made
 * where the kubeconfig is used, from that user's own AWS credentials (and role, if given).
 */
export interface KubeconfigInput {
  cluster: string;
  region: string;
  endpoint: string;
  /** base64 PEM, as DescribeCluster's certificateAuthority.data gives it. */
  certificateAuthority: string;
  /** A role to assume for the token (`aws eks get-token --role-arn`). */
  roleArn?: string;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  preferences: Record<string, never>;
  'current-context': string;
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  users: { name: string; user: { exec: KubeconfigExec } }[];
}

export interface KubeconfigExec {
  apiVersion: 'client.authentication.k8s.io/v1beta1';
  command: string;
  args: string[];
  interactiveMode: 'Never';
}

/**
 * Names are `<cluster>.<region>.eksflow`, as eksctl's are `<cluster>.<region>.eksctl.io`: one
 * entry per cluster and region, so writing it again replaces it and other contexts stay.
 */
export const kubeconfigName = (cluster: string, region: string) => `${cluster}.${region}.eksflow`;

export function kubeconfigFor({ cluster, region, endpoint, certificateAuthority, roleArn }: KubeconfigInput): Kubeconfig {
  const name = kubeconfigName(cluster, region);
  // The arguments aws-cli's update-kubeconfig writes, in its order;
  // v1beta1 is what `aws eks get-token` answers with.
  const args = ['--region', region, 'eks', 'get-token', '--cluster-name', cluster, '--output', 'json', ...(roleArn ? ['--role-arn', roleArn] : [])];
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': name,
    clusters: [{ name, cluster: { server: endpoint, 'certificate-authority-data': certificateAuthority } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    // get-token never prompts: Never keeps kubectl from waiting on a terminal that is not there.
    users: [{ name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args, interactiveMode: 'Never' } } }],
  };
}

/**
 * `kubeconfig` merged into `existing` as `eksctl utils write-kubeconfig` merges: entries of the
 * same name are replaced, every other cluster, context and user is kept, and the new context
 * becomes the current one.
 */
export function mergeKubeconfig(existing: Partial<Kubeconfig> & Record<string, unknown>, kubeconfig: Kubeconfig): Record<string, unknown> {
  const replace = <T extends { name: string }>(old: unknown, added: T[]): T[] => {
    const names = new Set(added.map((a) => a.name));
    return [...(Array.isArray(old) ? (old as T[]) : []).filter((e) => !names.has(e?.name)), ...added];
  };
  return {
    ...existing,
    apiVersion: existing.apiVersion ?? 'v1',
    kind: existing.kind ?? 'Config',
    preferences: existing.preferences ?? {},
    clusters: replace(existing.clusters, kubeconfig.clusters),
    contexts: replace(existing.contexts, kubeconfig.contexts),
    users: replace(existing.users, kubeconfig.users),
    'current-context': kubeconfig['current-context'],
  };
}
