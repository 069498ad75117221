import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseTokenTable, principalFor } from '../../src/api/auth/tokens';
import { devToken } from '../../src/dev/dev-token';

test('npm start\'s dev token: kept in an owner-only file, admitted by its entry, the same on the next start', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eksflow-dev-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state', 'dev-token');
  const first = devToken(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const token = readFileSync(path, 'utf8').trim();
  assert.ok(!first.entry.includes(token), 'the entry holds a hash, not the token');
  assert.deepEqual(principalFor(token, parseTokenTable(first.entry)), { tenant: 'dev', access: 'write' });
  assert.equal(devToken(path).entry, first.entry);
});
