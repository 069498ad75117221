import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../support/paths';

// Linted as if it were src/workflows/index.ts, so the workflow-only rules apply.
async function lintAsWorkflow(code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/src/workflows/index.ts` });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

test('workflow code may not import Node built-ins or the cloud SDKs', async () => {
  const messages = await lintAsWorkflow([
    "import { readFileSync } from 'node:fs';",
    "import { request } from 'https';",
    "import { EKSClient } from '@aws-sdk/client-eks';",
    "import { CoreV1Api } from '@kubernetes/client-node';",
    "import { Client } from '@temporalio/client';",
    'export const used = [readFileSync, request, EKSClient, CoreV1Api, Client];',
  ].join('\n'));
  const restricted = messages.filter((message) => message.startsWith('no-restricted-imports'));
  assert.equal(restricted.length, 5, messages.join('\n'));
});

test('workflow code may import activities as types only', async () => {
  const typeOnly = await lintAsWorkflow("import type { Activities } from '../activities';\nexport type A = Activities;\n");
  assert.deepEqual(typeOnly, []);
  const value = await lintAsWorkflow("import { createActivities } from '../activities';\nexport const f = createActivities;\n");
  assert.ok(value.some((message) => message.includes('import type')), value.join('\n'));
});

test('floating promises are flagged', async () => {
  const messages = await lintAsWorkflow("import { sleep } from '@temporalio/workflow';\nexport function run(): void {\n  sleep(1000);\n}\n");
  assert.ok(messages.some((message) => message.startsWith('@typescript-eslint/no-floating-promises')), messages.join('\n'));
});
