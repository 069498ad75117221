/**
 * What a booting node's user data tells its kubelet, read the way each AMI family's bootstrap
 * reads it (src/domain/node-bootstrap.ts writes them): the cluster it joins, and the labels and
 * taints it registers with (--node-labels, --register-with-taints in nodeadm's NodeConfig flags,
 * Start-EKSBootstrap.ps1's -KubeletExtraArgs, bootstrap.sh's --kubelet-extra-args; Bottlerocket's
 * settings.kubernetes.node-labels and node-taints). A node whose user data names no cluster, or
 * another one, never joins: as on EC2, where it would boot and wait.
 */
export interface NodeJoin {
  cluster: string;
  os: 'linux' | 'windows';
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

function parseTaint(text: string): NodeJoin['taints'][number] | undefined {
  const match = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(text);
  if (!match || !effects.has(match[3]!)) return undefined;
  return { key: match[1]!, ...(match[2] ? { value: match[2] } : {}), effect: match[3] as NodeJoin['taints'][number]['effect'] };
}

const unquote = (text: string) => (/^".*"$/.test(text) ? JSON.parse(text) as string : text);

/** The join a node's base64 user data describes, or undefined when it names no cluster. */
export function nodeJoinOf(userDataBase64: string): NodeJoin | undefined {
  const text = Buffer.from(userDataBase64, 'base64').toString('utf8');
  if (text.includes('[settings.kubernetes]')) return bottlerocketJoin(text);
  const windows = text.includes('<powershell>');
  const cluster = windows ? /-EKSClusterName '([^']+)'/.exec(text)?.[1]
    // bootstrap.sh takes the cluster's name as its argument, quoted (eksflow's) or not (an
    // overrideBootstrapCommand as eksctl's examples write it) (awslabs/amazon-eks-ami bootstrap.sh usage).
    : /^\s{4}name: (\S+)$/m.exec(text)?.[1] ?? /\/etc\/eks\/bootstrap\.sh '([^']+)'/.exec(text)?.[1] ?? /\/etc\/eks\/bootstrap\.sh ([A-Za-z0-9][A-Za-z0-9_-]*)/.exec(text)?.[1];
  if (!cluster) return undefined;
  const labels: Record<string, string> = {};
  for (const [, list] of text.matchAll(/--node-labels=([^\s'"]+)/g)) {
    for (const pair of list!.split(',')) {
      const [key, value = ''] = pair.split('=');
      if (key) labels[key] = value;
    }
  }
  const taints = [...text.matchAll(/--register-with-taints=([^\s'"]+)/g)].flatMap(([, list]) => list!.split(',').map(parseTaint).filter((t) => t !== undefined));
  return { cluster, os: windows ? 'windows' : 'linux', labels, taints };
}

/** Bottlerocket's TOML, as far as joining needs it: [settings.kubernetes] and its node-labels and node-taints tables. */
function bottlerocketJoin(text: string): NodeJoin | undefined {
  let table = '';
  let cluster: string | undefined;
  const labels: Record<string, string> = {};
  const taints: NodeJoin['taints'] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      table = header[1]!;
      continue;
    }
    const pair = /^("[^"]+"|[A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) continue;
    const key = unquote(pair[1]!);
    const value = pair[2]!;
    if (table === 'settings.kubernetes' && key === 'cluster-name') cluster = unquote(value);
    if (table === 'settings.kubernetes.node-labels') labels[key] = unquote(value);
    if (table === 'settings.kubernetes.node-taints') {
      for (const item of JSON.parse(value) as string[]) {
        const taint = parseTaint(`${key}=${item}`);
        if (taint) taints.push(taint);
      }
    }
  }
  return cluster ? { cluster, os: 'linux', labels, taints } : undefined;
}
