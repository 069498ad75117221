import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ipv6Within } from '../../src/activities/aws/vpc-parts';
import { translateClusterConfig } from '../../src/domain/eksctl-cluster-config';
import type { EnvironmentSpec } from '../../src/domain/environment-spec';
import type { provisionEnvironment } from '../../src/workflows';
import { eksctlExamplesDir } from '../support/paths';
import { simWorkerBed, untilReady } from '../support/sim-worker-bed';

// eksctl's IPv6 examples (30: an IPv6 cluster; 02: an IPv4 cluster with autoAllocateIPv6),
// translated as the CLI sends them, provisioned by the real workflow and activities on the
// simulated cloud, then torn down to nothing.

const speedup = 100;
const taskQueue = 'ipv6-on-sim';
const bed = simWorkerBed({ speedup, seed: 'ipv6', taskQueue });

function specOf(file: string, kubernetesVersion?: string): EnvironmentSpec {
  const translated = translateClusterConfig(readFileSync(join(eksctlExamplesDir, file), 'utf8'), kubernetesVersion ? { kubernetesVersion } : {});
  assert.ok(translated.ok, `${file}: ${JSON.stringify(!translated.ok && translated.errors)}`);
  return translated.spec;
}

async function provision(spec: EnvironmentSpec) {
  const handle = await bed.server.env.client.workflow.start<typeof provisionEnvironment>('provisionEnvironment', {
    taskQueue, workflowId: `team-a.${spec.name}`, args: [{ environmentId: `team-a/${spec.name}`, spec, timeScale: speedup }],
  });
  const ready = await untilReady(handle, spec.name);
  assert.ok(ready.steps.every((s) => s.state === 'done'), JSON.stringify(ready.steps.filter((s) => s.state !== 'done')));
  return handle;
}

async function tearDown(handle: Awaited<ReturnType<typeof provision>>, region: string) {
  await handle.signal('teardown', { reason: 'done' });
  await handle.result();
  const left = bed.cloud.aws.forRegion(region).inventory();
  const ours = Object.fromEntries(Object.entries(left).map(([kind, items]) => [kind, (items as string[]).filter((item) => !item.startsWith('AWSServiceRole'))]));
  assert.ok(Object.values(ours).every((items) => items.length === 0), `teardown left ${JSON.stringify(ours)}`);
  assert.deepEqual(bed.cloud.aws.forRegion(region).vpc.parts().egressOnlyInternetGateways, [], 'the egress-only gateway goes with the network');
}

test('example 30: an IPv6 cluster in a dual-stack VPC with an egress-only gateway, vpc-cni\'s role carrying its attachPolicy; torn down to nothing', async () => {
  const spec = specOf('30-vpc-with-ip-family.yaml', '1.33');
  const handle = await provision(spec);
  const aws = bed.cloud.aws.forRegion(spec.region);
  const parts = aws.vpc.parts();
  const vpc = parts.vpcs.find((v) => v.tags['eksflow.io/environment'] === 'team-a/cluster-2')!;
  assert.match(vpc.ipv6Cidr ?? '', /\/56$/);
  const subnets = parts.subnets.filter((s) => s.vpcId === vpc.id);
  assert.equal(subnets.length, 6);
  assert.ok(subnets.every((s) => s.ipv6Cidr && ipv6Within(vpc.ipv6Cidr!, s.ipv6Cidr)), JSON.stringify(subnets));
  assert.equal(new Set(subnets.map((s) => s.ipv6Cidr)).size, 6);
  const eigw = parts.egressOnlyInternetGateways.filter((g) => g.vpcId === vpc.id);
  assert.equal(eigw.length, 1);
  const privateIds = subnets.filter((s) => s.tags['eksflow.io/subnet-role'] === 'private').map((s) => s.id);
  assert.ok(subnets.filter((s) => privateIds.includes(s.id)).every((s) => s.assignIpv6));
  for (const table of parts.routeTables.filter((t) => t.vpcId === vpc.id)) {
    const isPrivate = table.subnetIds.some((id) => privateIds.includes(id));
    assert.deepEqual(table.routes['::/0'], isPrivate ? { egressOnlyInternetGatewayId: eigw[0]!.id } : { gatewayId: parts.internetGateways.find((g) => g.vpcId === vpc.id)!.id }, table.id);
  }
  const cluster = await aws.eks.describeCluster('cluster-2');
  assert.equal(cluster?.settings?.kubernetesNetwork?.ipFamily, 'ipv6');
  const policy = await aws.iam.getRolePolicy('cluster-2-kube-system-aws-node', 'inline');
  assert.match(policy ?? 'no inline policy on the vpc-cni role', /ec2:AssignIpv6Addresses/);
  await tearDown(handle, spec.region);
});

test('example 02: autoAllocateIPv6 on an IPv4 cluster without nodes: /56 and /64s, ::/0 from the public subnets only, no egress-only gateway', async () => {
  const spec = specOf('02-custom-vpc-cidr-no-nodes.yaml');
  const handle = await provision({ ...spec, name: 'cluster-02' });
  const parts = bed.cloud.aws.forRegion(spec.region).vpc.parts();
  const vpc = parts.vpcs.find((v) => v.tags['eksflow.io/environment'] === 'team-a/cluster-02')!;
  assert.ok(parts.subnets.filter((s) => s.vpcId === vpc.id).every((s) => s.ipv6Cidr && !s.assignIpv6 && s.hostnameType === 'resource-name'));
  assert.deepEqual(parts.egressOnlyInternetGateways.filter((g) => g.vpcId === vpc.id), []);
  const withIpv6Route = parts.routeTables.filter((t) => t.vpcId === vpc.id && t.routes['::/0']);
  assert.equal(withIpv6Route.length, 1, 'the public route table');
  assert.equal(withIpv6Route[0]!.tags['eksflow.io/network-role'], 'public-routes');
  await tearDown(handle, spec.region);
});
