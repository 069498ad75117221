/**
 * Writes src/domain/data/eni-limits.json: per EC2 instance type, the ENIs it can attach, the
 * IPv4 addresses each ENI holds, whether the VPC CNI can give it /28 prefixes (Nitro or bare
 * metal), and its vCPUs where known — the facts the planner's pod capacity needs offline.
 *
 * Source of truth: the Amazon VPC CNI's own table (github.com/aws/amazon-vpc-cni-k8s,
 * Apache-2.0): `pkg/vpc/vpc_ip_resource_limit.go` (ENILimit, IPv4Limit, HypervisorType,
 * IsBareMetal) read as text, never compiled nor copied; its `misc/eni-max-pods.txt` is the
 * cross-check (each listed value must equal ENIs × (IPv4 per ENI − 1) + 2). The module comes
 * from the Go module proxy: `go mod download -json github.com/aws/amazon-vpc-cni-k8s@<version>`.
 *
 * vCPUs are not in the CNI's table; the max-pods calculator's ceiling (110 up to 30 vCPUs, 250
 * above) needs them. They come from moto's copy of EC2 DescribeInstanceTypes
 * (moto/ec2/resources/instance_types.json.gz, Apache-2.0, VCpuInfo.DefaultVCpus) when the
 * test bed's moto is installed; a type it lacks has no vcpus and the planner says so. The same
 * copy gives what an instance selector matches on (src/domain/instance-selector.ts, the
 * attributes of EC2 GetInstanceTypesFromInstanceRequirements): MemoryInfo.SizeInMiB,
 * ProcessorInfo.SupportedArchitectures, GpuInfo (count and manufacturer), the other
 * accelerators (InferenceAcceleratorInfo, NeuronInfo, FpgaInfo, MediaAcceleratorInfo),
 * BurstablePerformanceSupported and SupportedVirtualizationTypes.
 *
 *   npx tsx scripts/generate-eni-limits.ts [version]        # default: latest
 *   CNI_MODULE_DIR=/path/to/module npx tsx scripts/generate-eni-limits.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';

const module = 'github.com/aws/amazon-vpc-cni-k8s';
const limitsFile = 'pkg/vpc/vpc_ip_resource_limit.go';
const maxPodsFile = 'misc/eni-max-pods.txt';
const out = join(import.meta.dirname, '..', 'src', 'domain', 'data', 'eni-limits.json');

function moduleDir(): { dir: string; version: string } {
  if (process.env.CNI_MODULE_DIR) {
    const dir = process.env.CNI_MODULE_DIR;
    return { dir, version: /@(v[^/]+)$/.exec(dir)?.[1] ?? 'unknown' };
  }
  const wanted = process.argv[2] ?? 'latest';
  const json = execFileSync('go', ['mod', 'download', '-json', `${module}@${wanted}`], {
    encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'auto', GOFLAGS: '-mod=mod' }, cwd: homedir(),
  });
  const info = JSON.parse(json) as { Dir: string; Version: string; Error?: string };
  if (info.Error) throw new Error(`go mod download: ${info.Error}`);
  return { dir: info.Dir, version: info.Version };
}

interface Limits { enis: number; ipv4PerEni: number; hypervisor: string; bareMetal: boolean }

/** Each `"type": { ENILimit: n, IPv4Limit: n, ..., HypervisorType: "x", IsBareMetal: b }` entry of the Go map literal. */
function parseLimits(source: string): Map<string, Limits> {
  const limits = new Map<string, Limits>();
  const entry = /^\t"([a-z0-9-]+\.[a-z0-9-]+)": \{\n([\s\S]*?)\n\t\},$/gm;
  for (const [, type, body] of source.matchAll(entry)) {
    const field = (name: string) => new RegExp(`^\\t\\t${name}:\\s+(.+),$`, 'm').exec(body!)?.[1];
    const enis = Number(field('ENILimit'));
    const ipv4PerEni = Number(field('IPv4Limit'));
    const hypervisor = JSON.parse(field('HypervisorType') ?? '""') as string;
    const bareMetal = field('IsBareMetal') === 'true';
    if (!Number.isInteger(enis) || !Number.isInteger(ipv4PerEni)) throw new Error(`${limitsFile}: cannot read the limits of ${type}`);
    limits.set(type!, { enis, ipv4PerEni, hypervisor, bareMetal });
  }
  if (limits.size < 100) throw new Error(`${limitsFile}: read only ${limits.size} instance types; has its layout changed?`);
  return limits;
}

function parseMaxPods(source: string): Map<string, number> {
  return new Map(source.split('\n').filter((line) => line.trim() && !line.startsWith('#')).map((line) => {
    const [type, pods] = line.trim().split(/\s+/);
    return [type!, Number(pods)];
  }));
}

interface MotoType {
  VCpuInfo?: { DefaultVCpus?: number };
  MemoryInfo?: { SizeInMiB?: number };
  ProcessorInfo?: { SupportedArchitectures?: string[] };
  GpuInfo?: { Gpus?: { Count?: number; Manufacturer?: string }[] };
  InferenceAcceleratorInfo?: { Accelerators?: { Count?: number }[] };
  NeuronInfo?: { NeuronDevices?: { Count?: number }[] };
  FpgaInfo?: { Fpgas?: { Count?: number }[] };
  MediaAcceleratorInfo?: { Accelerators?: { Count?: number }[] };
  BurstablePerformanceSupported?: boolean;
  SupportedVirtualizationTypes?: string[];
}

/** What an instance selector matches on, in the table's terms. */
interface Attributes { vcpus?: number; memoryMiB?: number; arch?: string; gpus?: number; gpuManufacturer?: string; accelerators?: number; burstable?: boolean; hvm?: boolean }

const counted = (items: { Count?: number }[] | undefined) => (items ?? []).reduce((sum, item) => sum + (item.Count ?? 0), 0);

function attributesOf(info: MotoType): Attributes {
  const architectures = info.ProcessorInfo?.SupportedArchitectures ?? [];
  const gpus = counted(info.GpuInfo?.Gpus);
  const manufacturers = [...new Set((info.GpuInfo?.Gpus ?? []).map((gpu) => gpu.Manufacturer?.toLowerCase()).filter(Boolean))];
  // Inferentia shows in both InferenceAcceleratorInfo and NeuronInfo: one device, counted once.
  const accelerators = Math.max(counted(info.InferenceAcceleratorInfo?.Accelerators), counted(info.NeuronInfo?.NeuronDevices)) + counted(info.FpgaInfo?.Fpgas) + counted(info.MediaAcceleratorInfo?.Accelerators);
  return {
    ...(info.VCpuInfo?.DefaultVCpus ? { vcpus: info.VCpuInfo.DefaultVCpus } : {}),
    ...(info.MemoryInfo?.SizeInMiB ? { memoryMiB: info.MemoryInfo.SizeInMiB } : {}),
    // x86_64 or arm64 (i386 alongside x86_64 on a few old types; Mac types neither, so none).
    ...(architectures.includes('x86_64') ? { arch: 'x86_64' } : architectures.includes('arm64') ? { arch: 'arm64' } : {}),
    ...(gpus > 0 ? { gpus, gpuManufacturer: manufacturers.join(',') } : {}),
    ...(accelerators > 0 ? { accelerators } : {}),
    ...(info.BurstablePerformanceSupported ? { burstable: true } : {}),
    ...(info.SupportedVirtualizationTypes && !info.SupportedVirtualizationTypes.includes('hvm') ? { hvm: false } : {}),
  };
}

/** vCPUs and the selector's attributes from moto's DescribeInstanceTypes data in the test bed, when installed. */
function motoAttributes(): { attributes: Map<string, Attributes>; source?: string } {
  const tools = join(homedir(), '.cache', 'eksflow-tools');
  const moto = existsSync(tools) ? readdirSync(tools).filter((d) => d.startsWith('moto-')).sort().at(-1) : undefined;
  if (!moto) return { attributes: new Map() };
  const lib = join(tools, moto, 'venv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  const file = python ? join(lib, python, 'site-packages', 'moto', 'ec2', 'resources', 'instance_types.json.gz') : '';
  if (!file || !existsSync(file)) return { attributes: new Map() };
  const data = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Record<string, MotoType>;
  const attributes = new Map(Object.entries(data).map(([type, info]) => [type, attributesOf(info)] as [string, Attributes]));
  return {
    attributes,
    source: `moto ${moto.slice('moto-'.length)} (getmoto/moto, Apache-2.0): moto/ec2/resources/instance_types.json.gz, VCpuInfo.DefaultVCpus, MemoryInfo.SizeInMiB, `
      + 'ProcessorInfo.SupportedArchitectures, GpuInfo, InferenceAcceleratorInfo, NeuronInfo, FpgaInfo, MediaAcceleratorInfo, BurstablePerformanceSupported, SupportedVirtualizationTypes',
  };
}

const { dir, version } = moduleDir();
const limits = parseLimits(readFileSync(join(dir, limitsFile), 'utf8'));
const maxPods = parseMaxPods(readFileSync(join(dir, maxPodsFile), 'utf8'));
const mismatches = [...maxPods].filter(([type, pods]) => {
  const l = limits.get(type);
  return !l || l.enis * (l.ipv4PerEni - 1) + 2 !== pods;
});
if (mismatches.length > 0) throw new Error(`${maxPodsFile} disagrees with ${limitsFile} for ${mismatches.map(([t]) => t).join(', ')}`);
const { attributes, source: attributeSource } = motoAttributes();

const types = Object.fromEntries([...limits].sort(([a], [b]) => a.localeCompare(b)).map(([type, l]) => [type, {
  enis: l.enis, ipv4PerEni: l.ipv4PerEni,
  // The CNI gives prefixes only on Nitro or bare metal (pkg/awsutils IsPrefixDelegationSupported).
  prefixDelegation: l.hypervisor === 'nitro' || l.bareMetal,
  hypervisor: l.hypervisor, ...(l.bareMetal ? { bareMetal: true } : {}),
  ...attributes.get(type),
}]));
const document = {
  source: {
    module: `${module}@${version}`, license: 'Apache-2.0', files: [limitsFile, maxPodsFile],
    note: `facts read from the Amazon VPC CNI's table (ENILimit, IPv4Limit, HypervisorType, IsBareMetal); every value in ${maxPodsFile} checked against ENIs × (IPv4 per ENI − 1) + 2`,
    ...(attributeSource ? { attributes: attributeSource } : {}),
    generator: 'scripts/generate-eni-limits.ts',
  },
  types,
};
mkdirSync(dirname(out), { recursive: true });
// One instance type a line, so a regeneration's diff reads type by type.
const typeLines = Object.entries(types).map(([type, facts]) => `    ${JSON.stringify(type)}: ${JSON.stringify(facts)}`);
writeFileSync(out, `{\n  "source": ${JSON.stringify(document.source, null, 2).replaceAll('\n', '\n  ')},\n  "types": {\n${typeLines.join(',\n')}\n  }\n}\n`);
console.log(`wrote ${Object.keys(types).length} instance types from ${module}@${version} (${[...limits.keys()].filter((t) => attributes.get(t)?.vcpus).length} with vCPUs) to ${out}`);
