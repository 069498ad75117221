import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A directory holding an `aws` executable that answers `eks get-token` as the AWS CLI does
 * (test/support/aws-cli-get-token.ts), for a kubeconfig's exec plugin: put the directory first
 * on the exec's PATH. Runs on this Node, with tsx.
 */
export function awsCliDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eksflow-aws-cli-'));
  const script = fileURLToPath(new URL('./aws-cli-get-token.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  writeFileSync(join(dir, 'aws'), `#!/bin/sh\nexec '${process.execPath}' --import '${tsx}' '${script}' "$@"\n`);
  chmodSync(join(dir, 'aws'), 0o755);
  return dir;
}
