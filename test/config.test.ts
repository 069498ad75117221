import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config';
import { temporalConnectionOptions } from '../src/temporal-connection';

test('defaults fill every setting the environment leaves out', () => {
  const config = loadConfig({});
  assert.equal(config.TEMPORAL_ADDRESS, '127.0.0.1:7233');
  assert.equal(config.API_PORT, 8080);
  assert.equal(config.EKSFLOW_TASK_QUEUE, 'eksflow');
});

test('values from the environment are converted to their types', () => {
  const config = loadConfig({ API_PORT: '9090', LOG_LEVEL: 'debug' });
  assert.equal(config.API_PORT, 9090);
  assert.equal(config.LOG_LEVEL, 'debug');
});

test('a bad value fails naming the variable', () => {
  assert.throws(() => loadConfig({ API_PORT: 'eighty' }), /invalid configuration: API_PORT/);
  assert.throws(() => loadConfig({ API_PORT: '70000' }), /API_PORT/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
});

test('Temporal connection: plain by default, TLS with an API key, and the key never in an error', () => {
  assert.deepEqual(temporalConnectionOptions(loadConfig({})), { address: '127.0.0.1:7233', tls: false });
  const cloud = temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key-123' }));
  assert.equal(cloud.tls, true);
  assert.equal(cloud.apiKey, 'secret-key-123');
  assert.throws(() => temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CERT_PATH: '/x.pem' })), /set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH/);
  assert.throws(() => loadConfig({ TEMPORAL_API_KEY: 'secret-key-123', API_PORT: 'x' }), (error: Error) => !error.message.includes('secret-key-123'));
});
