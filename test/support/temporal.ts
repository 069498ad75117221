import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { searchAttributeKeys } from '../../src/domain/search-attributes';
import { freePort } from './process';
import { toolPath } from './tools';

// Worker lifecycle chatter drowns the test report; TEMPORAL_LOG_LEVEL=INFO brings it back.
Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL ?? 'WARN') as 'WARN') });

/**
 * The Java time-skipping test server, started by sdk-core from the project's wrapper
 * script. Call once per file; `teardown()` stops it.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: toolPath('temporalTestServer') } },
  });
}

export interface DevServer {
  readonly env: TestWorkflowEnvironment;
  readonly address: string;
  readonly uiUrl: string;
  teardown(): Promise<void>;
}

/**
 * `temporal server start-dev` with its Web UI and eksflow's search attributes: the
 * server to use wherever visibility (list, search attributes) or the UI is needed.
 */
export async function devServer(): Promise<DevServer> {
  const [port, uiPort] = [await freePort(), await freePort()];
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('temporalCli') },
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      searchAttributes: searchAttributeKeys,
      extraArgs: ['--log-level', 'warn'],
    },
  });
  return {
    env,
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    teardown: () => env.teardown(),
  };
}
