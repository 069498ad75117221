import { EC2Client } from '@aws-sdk/client-ec2';
import type { AwsClientConfig } from './moto';

/**
 * An EC2 client whose k-th request fails, through a real SDK middleware: `before` the request
 * is sent (it never takes effect), or `after` its response came back (it took effect and the
 * answer was lost, as when the worker crashes or the connection drops). The error carries no
 * HTTP status, as a network failure does: retryable.
 */
export function ec2FailingAt(config: AwsClientConfig, fault?: { at: number; when: 'before' | 'after' }) {
  const client = new EC2Client(config);
  const requests: string[] = [];
  client.middlewareStack.add((next, context) => async (args) => {
    requests.push(context.commandName ?? '?');
    const n = requests.length;
    const lost = () => Object.assign(new Error(`injected: request ${n} (${context.commandName}) ${fault?.when === 'before' ? 'never sent' : 'answered, response lost'}`), { name: 'TimeoutError' });
    if (fault?.at === n && fault.when === 'before') throw lost();
    const result = await next(args);
    if (fault?.at === n && fault.when === 'after') throw lost();
    return result;
  }, { step: 'initialize', name: 'injectFaultAtRequest' });
  return { client, requests };
}
