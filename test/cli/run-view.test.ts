import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { stepRow } from '../../src/cli/run-view';
import type { StepProgress } from '../../src/workflows/messages';

const step = (state: StepProgress['state'], extra: Partial<StepProgress> = {}): StepProgress => ({ id: 'eks:cluster', title: 'create EKS cluster demo', state, estimateSeconds: 600, attempts: 1, ...extra });
// Colours off or on (colorette follows the terminal): the text is what is asserted.
const plain = (line: string) => stripVTControlCharacters(line);

test('on a terminal, a step still waiting on its dependencies shows as pending, and only a running step spins', () => {
  assert.equal(plain(stepRow(step('pending'), '⠙')), '○ create EKS cluster demo (pending)');
  assert.equal(plain(stepRow(step('running', { detail: 'cluster CREATING' }), '⠙')), '⠙ create EKS cluster demo — cluster CREATING');
  assert.equal(plain(stepRow(step('done'), '⠙')), '✔ create EKS cluster demo');
  assert.equal(plain(stepRow(step('compensated'), '⠙')), '↺ create EKS cluster demo — rolled back');
  assert.equal(plain(stepRow(step('failed', { lastError: 'ResourceLimitExceeded' }), '⠙')).split('\n')[1], '    ResourceLimitExceeded');
});
