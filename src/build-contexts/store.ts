import { createHash, randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildContextDigestPattern } from '../domain/environment-spec';

/**
 * Uploaded build contexts and build logs, on a directory the API and the worker share (a
 * volume in docker-compose.yml). Uploads are content-addressed per tenant:
 * `uploads/<tenant>/<sha256 hex>`, the bytes as sent; a tenant can only name its own. Build
 * logs are `logs/<tenant>/<environment>/<build id>.log`, kept whole.
 */
export interface BuildContextStore {
  /** The directory everything is under. */
  readonly dir: string;
  /** Stores the tarball for the tenant (again: a no-op) and names it `sha256:<hex>`. */
  put(tenant: string, tarball: Uint8Array): Promise<{ upload: string; size: number; created: boolean }>;
  /** Whether the tenant uploaded this. */
  has(tenant: string, upload: string): Promise<boolean>;
  /** The tenant's upload's bytes, checked against its name; undefined when it has none by that name. */
  read(tenant: string, upload: string): Promise<Buffer | undefined>;
  /** Where a build's full log is written. */
  logPath(environmentId: string, buildId: string): string;
  /** A build's full log, or undefined when there is none. */
  readLog(environmentId: string, buildId: string): Promise<string | undefined>;
}

/** Tenants as the token table allows them (src/api/auth/tokens.ts): safe as one path part. */
const tenantPattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const environmentNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Build ids are made by the run: letters, digits and "-". */
export const buildIdPattern = '^[A-Za-z0-9][A-Za-z0-9-]{0,99}$';

/** EKSFLOW_BUILD_CONTEXT_DIR when set, else eksflow's state directory (XDG_STATE_HOME, ~/.local/state). */
export function defaultBuildContextDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'eksflow', 'build-contexts');
}

export function buildContextStore(dir: string): BuildContextStore {
  const uploadPath = (tenant: string, upload: string) => {
    if (!tenantPattern.test(tenant)) throw new Error(`not a tenant: ${tenant}`);
    if (!new RegExp(buildContextDigestPattern).test(upload)) throw new Error(`not an upload's name: ${upload}`);
    return join(dir, 'uploads', tenant, upload.slice('sha256:'.length));
  };
  const logPath = (environmentId: string, buildId: string) => {
    const [tenant, name, ...rest] = environmentId.split('/');
    if (!tenant || !tenantPattern.test(tenant) || !name || !environmentNamePattern.test(name) || rest.length > 0) throw new Error(`not an environment id: ${environmentId}`);
    if (!new RegExp(buildIdPattern).test(buildId)) throw new Error(`not a build id: ${buildId}`);
    return join(dir, 'logs', tenant, name, `${buildId}.log`);
  };
  const exists = (path: string) => access(path).then(() => true, () => false);
  return {
    dir,
    async put(tenant, tarball) {
      const upload = `sha256:${createHash('sha256').update(tarball).digest('hex')}`;
      const path = uploadPath(tenant, upload);
      if (await exists(path)) return { upload, size: tarball.length, created: false };
      await mkdir(join(path, '..'), { recursive: true, mode: 0o750 });
      // Written aside and renamed: a reader never sees half an upload under its name.
      const partial = `${path}.${randomUUID()}.partial`;
      await writeFile(partial, tarball, { mode: 0o640 });
      await rename(partial, path);
      return { upload, size: tarball.length, created: true };
    },
    has: (tenant, upload) => exists(uploadPath(tenant, upload)),
    async read(tenant, upload) {
      const bytes = await readFile(uploadPath(tenant, upload)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (bytes && `sha256:${createHash('sha256').update(bytes).digest('hex')}` !== upload) throw new Error(`upload ${upload} of ${tenant} does not hash to its name: the store is damaged`);
      return bytes;
    },
    logPath,
    async readLog(environmentId, buildId) {
      return readFile(logPath(environmentId, buildId), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    },
  };
}
