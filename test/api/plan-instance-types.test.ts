import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Client, Connection } from '@temporalio/client';
import { ec2InstanceTypeLookup } from '../../src/api/instance-limits';
import { tableInstanceLimits } from '../../src/domain/max-pods';
import { apiFor, type ApiBed } from '../support/api';
import { moto, type Moto } from '../support/moto';
import { freePort } from '../support/process';

// A plan that needs no Temporal, with EC2 (moto) to ask about instance types the ENI table lacks.
let aws: Moto;
let connection: Connection;
let withEc2: ApiBed;
let tableOnly: ApiBed;
before(async () => {
  aws = await moto();
  connection = await Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 200 });
  const temporal = new Client({ connection });
  withEc2 = await apiFor(temporal, {}, { instanceTypes: ec2InstanceTypeLookup((region) => new EC2Client({ ...aws.clientConfig, region })) });
  tableOnly = await apiFor(temporal);
});
after(async () => {
  await withEc2?.api.close();
  await tableOnly?.api.close();
  await connection?.close();
  await aws?.stop();
});

// r9g.large is newer than the VPC CNI table the plan ships with; EC2 (here moto's copy of its data) knows it: 3 ENIs of 20 IPv4 addresses each.
const spec = (replicas: number) => ({
  name: 'graviton', region: 'us-east-1', network: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
  nodeGroups: [{ name: 'arm', instanceTypes: ['r9g.large'], amiType: 'AL2023_ARM_64_STANDARD', minSize: 1, desiredSize: 1, maxSize: 1 }],
  image: { uri: 'registry.example/web:1' }, addons: { 'aws-load-balancer-controller': {} }, app: { name: 'web', replicas, containerPort: 8080 },
});
const plan = (bed: ApiBed, payload: unknown) => bed.as('teamAViewer', { method: 'POST', url: '/v1/plans', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

test('a node group type the ENI table lacks is looked up with DescribeInstanceTypes: its pods are counted, and refused when they cannot fit', async () => {
  assert.equal(tableInstanceLimits('r9g.large'), undefined, 'the test needs a type the table lacks');
  // 3 ENIs × (20 − 1) + 2 = 59 pods, 57 beside aws-node and kube-proxy; coredns 2 + controller 2.
  const fits = await plan(withEc2, spec(53));
  assert.equal(fits.statusCode, 200, fits.body);
  assert.equal('warnings' in fits.json<object>(), false);
  const refused = await plan(withEc2, spec(54));
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.json<{ errors: { message: string }[] }>().errors[0]!.message, /58 pods .* only 57 free slots \(arm: 59 per r9g\.large node \(3 ENIs × \(20 − 1\) \+ 2 = 59\)/);
});

test('without EC2 to ask (the simulated cloud), the plan says the type\'s capacity is unknown instead', async () => {
  const response = await plan(tableOnly, spec(54));
  assert.equal(response.statusCode, 200, response.body);
  assert.match(response.json<{ warnings: { message: string }[] }>().warnings[0]!.message, /r9g\.large is not in the ENI table/);
});
