import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ApplicationFailure } from '@temporalio/common';
import { describeUse, removedBy, requestedDeprecatedApis } from '../domain/deprecated-apis';
import { errorTypes } from '../domain/errors';
import type { KubeAccess } from './nodes-ready';

export interface UpgradePrecheck {
  /** What was looked at and found, for the step's detail. */
  detail: string;
  /** Deprecated APIs still requested, removed after the target (a warning, not a refusal). */
  later: string[];
}

/**
 * Before a Kubernetes upgrade changes anything: the deprecated APIs the cluster's clients
 * still request (the API server's `apiserver_requested_deprecated_apis`), refused when the
 * target removes one, naming each (non-retryable `UpgradeBlocked`; the way out: move those
 * clients to the newer API, or apply again with force). An API server that does not publish
 * the metric (a simulated one) is said so in the detail, not guessed at.
 */
export function createUpgradePrecheckActivities(kube: KubeAccess) {
  async function upgradePrecheck(input: { cluster: string; target: string; force?: boolean }): Promise<UpgradePrecheck> {
    const config = await kube.forCluster(input.cluster);
    const server = config.getCurrentCluster()!.server;
    // The kubeconfig's credentials and TLS, as node's https options (the token, client cert, CA).
    const options: RequestOptions = {};
    await config.applyToHTTPSOptions(options);
    // Appended, not resolved: a server URL may carry a path (a proxy's, the simulator's /clusters/<name>).
    const { status, body } = await get(new URL(`${server.replace(/\/$/, '')}/metrics`), options);
    if (status === 404) return { detail: 'the API server publishes no /metrics here: deprecated API use not checked', later: [] };
    if (status !== 200) throw ApplicationFailure.retryable(`GET /metrics answered ${status}`, 'KubeRetryable');
    const uses = requestedDeprecatedApis(body);
    const blocking = removedBy(uses, input.target);
    const later = uses.filter((use) => !blocking.includes(use)).map(describeUse);
    if (blocking.length > 0 && !input.force) {
      throw ApplicationFailure.nonRetryable(
        `Kubernetes ${input.target} removes APIs the cluster's clients still request: ${blocking.map(describeUse).join('; ')}; move those clients to the newer API versions (the API server counts requests since it started), or apply again with force`,
        errorTypes.upgradeBlocked, blocking,
      );
    }
    const found = uses.length === 0 ? 'no deprecated API requested' : `${uses.length} deprecated API${uses.length === 1 ? '' : 's'} requested, ${blocking.length} removed by ${input.target}${blocking.length && input.force ? ' (forced)' : ''}`;
    return { detail: `apiserver_requested_deprecated_apis: ${found}`, later };
  }
  return { upgradePrecheck };
}

function get(url: URL, options: RequestOptions): Promise<{ status: number; body: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, method: 'GET', headers: { ...options.headers, accept: 'text/plain' }, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() })).on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('GET /metrics timed out'))).on('error', reject);
    req.end();
  });
}
