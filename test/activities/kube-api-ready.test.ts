import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createKubeApiReadyActivities, type KubeApiReadyProgress } from '../../src/activities/kube-api-ready';
import type { KubeAccess } from '../../src/activities/nodes-ready';
import { startSimKube, type SimKube } from '../../src/sim/kube';
import { kubeControlPlane, type KubeControlPlane } from '../support/kube';
import { freePort } from '../support/process';

// Catalog entry 12: EKS says ACTIVE before its API server answers steadily. The gate asks
// /readyz until it answers 6 times in a row (eksctl's WaitForControlPlane), each failure
// starting the count again: here against the real kube-apiserver, reached through a port that
// answers nothing until the test opens it (as an endpoint not yet routed), and the simulated
// EKS's API server, whose /readyz fails for a while after it came up.

let cluster: KubeControlPlane;
let sim: SimKube;
const servers: Server[] = [];
const sockets = new Set<Socket>();

before(async () => {
  [cluster, sim] = await Promise.all([kubeControlPlane({ nodes: 0 }), startSimKube({ speedup: 100, latencies: { apiServerReadyMs: 100_000 } })]);
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all([cluster?.stop(), sim?.close()]);
});

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args) as Promise<R>;

/** The test bed's kubeconfig, its server moved to `port` on loopback (its certificate names 127.0.0.1). */
function accessThrough(port: number): KubeAccess {
  const base = new KubeConfig();
  base.loadFromFile(cluster.kubeconfigPath);
  return {
    async forCluster() {
      const config = new KubeConfig();
      const server = new URL(base.getCurrentCluster()!.server);
      server.port = String(port);
      config.loadFromOptions({
        clusters: base.clusters.map((c) => ({ ...c, server: server.toString().replace(/\/$/, '') })), users: base.users, contexts: base.contexts, currentContext: base.currentContext,
      });
      return config;
    },
  };
}

/** A TCP forwarder on `port` to the real apiserver, opened when asked. */
async function openForwarder(port: number): Promise<void> {
  const target = new URL(cluster.server);
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

test('the real kube-apiserver, unreachable at first: the gate counts the failures and returns after 6 answers in a row, 200 ms apart', async () => {
  const port = await freePort();
  const { waitForKubeApiReady } = createKubeApiReadyActivities(accessThrough(port), (ms) => ms / 100);
  const startedAt = Date.now();
  const waiting = inActivity(waitForKubeApiReady, { cluster: 'test-bed' });
  // Four looks find nothing listening (ECONNREFUSED), then the endpoint answers.
  await new Promise((resolve) => setTimeout(resolve, 700));
  await openForwarder(port);
  const answered: KubeApiReadyProgress = await waiting;
  assert.equal(answered.inARow, 6);
  assert.equal(answered.needed, 6);
  assert.ok(answered.failures >= 3, JSON.stringify(answered));
  assert.match(answered.lastFailure ?? '', /Error occurred in health request|ECONNREFUSED/);
  assert.ok(Date.now() - startedAt >= 700 + 5 * 200, 'six answers 20 s (here 200 ms) apart after the endpoint opened');
});

test('the real kube-apiserver never reachable: the gate gives up at its deadline with the last failure, non-retryably', async () => {
  const { waitForKubeApiReady } = createKubeApiReadyActivities(accessThrough(await freePort()), (ms) => ms / 100);
  const error = await inActivity(waitForKubeApiReady, { cluster: 'test-bed', deadlineMs: 60_000 }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ApplicationFailure && error.nonRetryable, String(error));
  assert.match(error.message, /^the Kubernetes API of test-bed did not answer \/readyz 6 times in a row \(\d+ failed looks; last: /);
});

test('the simulated EKS API server fails /readyz for a while after it comes up: the gate waits it out', async () => {
  sim.addCluster('just-active');
  const { waitForKubeApiReady } = createKubeApiReadyActivities(sim.access, (ms) => ms / 200);
  const answered = await inActivity(waitForKubeApiReady, { cluster: 'just-active' });
  assert.equal(answered.inARow, 6);
  // 100 s of simulated start-up (1 s here), looked at every 20 s (100 ms): the first few looks fail, however slow the machine.
  assert.ok(answered.failures >= 3, JSON.stringify(answered));
  const config = await sim.access.forCluster('just-active');
  assert.equal((await fetch(`${config.getCurrentCluster()!.server}/readyz`, { headers: { authorization: `Bearer ${sim.cluster('just-active')!.token}` } })).status, 200);
});
