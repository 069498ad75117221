import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { Config, loadConfig } from '../../src/config';
import { searchAttributeKeys } from '../../src/domain/search-attributes';
import { createWorker } from '../../worker';
import { repoRoot } from '../support/paths';
import { waitFor } from '../support/process';
import { devServer, type DevServer } from '../support/temporal';
import { toolPath, versions } from '../support/tools';

// docker-compose.yml and the Dockerfile are never run on these machines (no Docker engine):
// these tests hold them to the code they deploy, and run for real the two programs the compose
// file carries (the search-attribute job and the worker's health check) against a dev server.

type Fields = Record<string, unknown>;
interface Service {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: unknown[];
  volumes?: unknown[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
}

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
// Compose honours YAML merge keys (`<<: *temporal-client-env`); YAML 1.2 parsers do so only when asked.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const packageJson = JSON.parse(read('package.json')) as { version: string };

function service(name: string): Service {
  const found = services[name];
  assert.ok(found, `docker-compose.yml has no ${name} service`);
  return found;
}
const environment = (name: string) => service(name).environment ?? {};
const settingNames = Object.keys(Config.properties);

// Read by the AWS SDK's default credential chain, not by src/config.ts; only ever passed through.
const awsCredentialVariables = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** `127.0.0.1:8080:8080` (or the long syntax) as its parts. */
function publishedPorts(name: string): { hostIp: string | undefined; published: string; target: string }[] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object' && port !== null) {
      const { host_ip: hostIp, published, target } = port as Fields;
      return { hostIp: hostIp as string | undefined, published: String(published), target: String(target) };
    }
    const parts = String(port).split(':');
    return parts.length === 3 ? { hostIp: parts[0], published: parts[1]!, target: parts[2]! } : { hostIp: undefined, published: parts[0]!, target: parts.at(-1)! };
  });
}

function dependencies(name: string): Record<string, string | undefined> {
  const dependsOn = service(name).depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(dependsOn).map(([d, { condition }]) => [d, condition]));
}

function healthcheckCommand(name: string): string[] {
  const check = service(name).healthcheck?.test;
  assert.ok(Array.isArray(check) && check[0] === 'CMD', `${name} needs an exec-form health check (["CMD", ...])`);
  return check.slice(1);
}

/** The names given to `${NAME...}` in the compose file: what .env may set. */
const interpolated = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]!);

describe('docker-compose.yml', () => {
  test('the worker and the API set only settings src/config.ts reads, and AWS credentials only pass through', () => {
    for (const name of ['worker', 'api']) {
      for (const [key, value] of Object.entries(environment(name))) {
        if (name === 'worker' && awsCredentialVariables.includes(key)) {
          assert.equal(value, null, `${key} must be passed through (no value in the file), never written down`);
          continue;
        }
        assert.ok(settingNames.includes(key), `${name} sets ${key}, which src/config.ts does not read`);
      }
    }
    // The settings each program depends on are there.
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'EKSFLOW_TASK_QUEUE', 'AWS_REGION', 'KUBE_ACCESS']) assert.ok(key in environment('worker'), `worker lacks ${key}`);
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'EKSFLOW_TASK_QUEUE', 'API_HOST', 'API_PORT', 'EKSFLOW_API_TOKENS', 'TEMPORAL_UI_URL']) assert.ok(key in environment('api'), `api lacks ${key}`);
  });

  test('the worker and the API agree on every setting both read; the job and the server use their namespace', () => {
    const shared = Object.keys(environment('worker')).filter((key) => key in environment('api'));
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'EKSFLOW_TASK_QUEUE']) assert.ok(shared.includes(key), key);
    for (const key of shared) assert.equal(environment('worker')[key], environment('api')[key], key);
    assert.equal(environment('temporal-search-attributes').TEMPORAL_NAMESPACE, environment('worker').TEMPORAL_NAMESPACE);
    assert.equal(environment('temporal').DEFAULT_NAMESPACE, environment('worker').TEMPORAL_NAMESPACE);
  });

  test('every setting src/config.ts reads, and every variable the compose file takes from .env, is documented', () => {
    const example = read('deploy/eksflow.env.example');
    for (const key of settingNames) assert.match(example, new RegExp(`\\b${key}\\b`), `deploy/eksflow.env.example does not describe ${key}`);
    for (const key of interpolated) assert.match(example, new RegExp(`^#?${key}=`, 'm'), `deploy/eksflow.env.example has no ${key}= line for the compose file's \${${key}}`);
    // Nothing documented is dead: each assignment is a setting or a variable the compose file reads.
    for (const [, key] of example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)) {
      assert.ok(settingNames.includes(key!) || interpolated.includes(key!) || awsCredentialVariables.includes(key!), `deploy/eksflow.env.example sets ${key}, which nothing reads`);
    }
  });

  test('secrets come from .env: the API tokens and the database password are required, never written here', () => {
    assert.match(String(environment('api').EKSFLOW_API_TOKENS), /^\$\{EKSFLOW_API_TOKENS:\?[^}]+\}$/);
    assert.match(String(environment('postgresql').POSTGRES_PASSWORD), /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    assert.equal(environment('temporal').POSTGRES_PWD, environment('postgresql').POSTGRES_PASSWORD);
    assert.doesNotMatch(read('docker-compose.yml'), /[0-9a-f]{64}/, 'a SHA-256 (or a token) is written in the compose file');
    assert.doesNotMatch(read('deploy/eksflow.env.example'), /^[A-Z_]+=.*[0-9a-f]{64}/m, 'the example holds a real token entry');
  });

  test('the API listens on 0.0.0.0:API_PORT inside, published on loopback, and its health check asks that port', () => {
    const { API_HOST: host, API_PORT: port } = environment('api');
    assert.equal(host, '0.0.0.0');
    assert.match(String(port), /^[0-9]+$/);
    const ports = publishedPorts('api');
    assert.equal(ports.length, 1);
    assert.equal(ports[0]!.target, String(port), 'the published container port is not API_PORT');
    const check = healthcheckCommand('api').join(' ');
    const url = /http:\/\/127\.0\.0\.1:([0-9]+)(\/[a-z]+)/.exec(check);
    assert.ok(url, `the api health check calls no loopback URL: ${check}`);
    assert.equal(url[1], String(port), 'the health check asks another port than API_PORT');
    assert.ok(['/healthz', '/readyz'].includes(url[2]!), `${url[2]} is not one of the API's probes`);
  });

  test('TEMPORAL_ADDRESS is the temporal service on 7233 for everything that talks to it', () => {
    assert.ok(publishedPorts('temporal').some((port) => port.target === '7233'));
    assert.ok(healthcheckCommand('temporal').join(' ').includes(':7233'));
    for (const name of ['worker', 'api', 'temporal-search-attributes', 'temporal-ui']) assert.equal(environment(name).TEMPORAL_ADDRESS, 'temporal:7233', name);
  });

  test('TEMPORAL_UI_URL points at the port the UI is published on', () => {
    const url = new URL(String(environment('api').TEMPORAL_UI_URL).replace(/^\$\{TEMPORAL_UI_URL:-(.*)\}$/, '$1'));
    const [ui] = publishedPorts('temporal-ui');
    assert.equal(url.hostname, ui?.hostIp);
    assert.equal(url.port, ui?.published);
  });

  test('start order: PostgreSQL healthy → Temporal healthy → search attributes registered → worker and API; UI after Temporal', () => {
    assert.deepEqual(dependencies('temporal'), { postgresql: 'service_healthy' });
    assert.deepEqual(dependencies('temporal-search-attributes'), { temporal: 'service_healthy' });
    assert.deepEqual(dependencies('temporal-ui'), { temporal: 'service_healthy' });
    for (const name of ['worker', 'api']) {
      assert.deepEqual(dependencies(name), { temporal: 'service_healthy', 'temporal-search-attributes': 'service_completed_successfully' }, name);
    }
    // A service waited for as healthy must have a health check, or Compose waits forever.
    for (const [name, definition] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(dependencies(name))) {
        assert.ok(dependency in services, `${name} depends on ${dependency}, which is not a service`);
        if (condition === 'service_healthy') assert.ok(services[dependency]!.healthcheck?.test, `${name} waits for ${dependency} to be healthy, which has no health check`);
      }
      assert.ok(definition.healthcheck?.disable !== true, `${name} disables its health check`);
    }
  });

  test('long-running services restart and have health checks; the job runs once', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker', 'api']) {
      assert.ok(['unless-stopped', 'always'].includes(service(name).restart ?? ''), `${name} has no restart policy`);
    }
    for (const name of ['postgresql', 'temporal', 'worker', 'api']) assert.ok(service(name).healthcheck?.test, `${name} has no health check`);
    assert.equal(service('temporal-search-attributes').restart, 'no');
  });

  test('every published port binds 127.0.0.1', () => {
    assert.deepEqual(publishedPorts('postgresql'), [], 'PostgreSQL is published');
    for (const name of Object.keys(services)) {
      for (const port of publishedPorts(name)) assert.equal(port.hostIp, '127.0.0.1', `${name} publishes ${port.published} beyond loopback`);
    }
  });

  test('every image is pinned to a tag; eksflow\'s own is built, never pulled, and tagged with the package version', () => {
    for (const [name, { image, build, pull_policy: pullPolicy }] of Object.entries(services)) {
      assert.ok(image, `${name} names no image`);
      const match = /^(?<repository>[a-z0-9][a-z0-9._/-]*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]*))?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
      assert.ok(match?.groups?.tag, `${name}: ${image} has no tag`);
      assert.notEqual(match.groups.tag, 'latest', `${name}: ${image} floats on latest`);
      if (build) {
        assert.equal(image, `eksflow:${packageJson.version}`, name);
        assert.equal(pullPolicy, 'build', `${name} would try to pull ${image}`);
      }
    }
  });

  test('worker and api run the compiled programs the build makes, with plain node', () => {
    assert.deepEqual(service('worker').command, ['node', 'dist/worker.js']);
    assert.deepEqual(service('api').command, ['node', 'dist/api.js']);
    // scripts/build.ts names its entry points after the files it writes: dist/<name>.js from <source>.
    const build = read('scripts/build.ts');
    for (const [name, source] of [['worker', 'worker.ts'], ['api', 'src/api/server.ts']] as const) {
      assert.ok(build.includes(`${name}: '${source}'`), `the build makes no dist/${name}.js from ${source}`);
      assert.ok(existsSync(join(repoRoot, source)));
    }
  });

  test('the search-attribute job registers exactly src/domain/search-attributes.ts\'s keys, as Keyword', () => {
    const job = service('temporal-search-attributes');
    const args = job.command ?? [];
    const registered = new Map<string, string>();
    for (let i = 0; i < args.length; i += 4) {
      assert.deepEqual([args[i], args[i + 2]], ['--name', '--type'], `expected --name N --type T pairs, got ${args.slice(i, i + 4).join(' ')}`);
      registered.set(args[i + 1]!, args[i + 3]!);
    }
    assert.deepEqual([...registered.keys()].sort(), searchAttributeKeys.map((key) => key.name).sort());
    for (const key of searchAttributeKeys) {
      assert.equal(key.type, 'KEYWORD');
      assert.equal(registered.get(key.name), 'Keyword', key.name);
    }
    // The entrypoint runs the script mounted from deploy/.
    const script = job.entrypoint?.at(-1);
    const mount = (job.volumes ?? []).map(String).find((volume) => volume.split(':')[1] === script);
    assert.ok(mount, `${script} is not mounted into the job`);
    assert.ok(existsSync(join(repoRoot, mount.split(':')[0]!)), `${mount.split(':')[0]} does not exist`);
  });

  test('named volumes are declared, and every bind-mounted file exists', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = new Set<string>();
    for (const [name, { volumes = [] }] of Object.entries(services)) {
      for (const volume of volumes) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : String((volume as Fields).source);
        if (source.startsWith('./')) assert.ok(existsSync(join(repoRoot, source)), `${name} mounts ${source}, which does not exist`);
        else if (/^[a-z0-9][a-z0-9_.-]*$/.test(source)) {
          assert.ok(declared.includes(source), `${name} uses volume ${source}, not declared under volumes:`);
          used.add(source);
        }
      }
    }
    assert.ok((service('postgresql').volumes ?? []).map(String).some((v) => v.endsWith(':/var/lib/postgresql/data')), 'PostgreSQL keeps its data in the container');
    assert.deepEqual(declared.filter((volume) => !used.has(volume)), [], 'declared volumes nobody uses');
  });
});

/** The Dockerfile as instructions, continuation lines joined and comments dropped. */
const instructions = read('Dockerfile').split('\n').filter((line) => !/^\s*#/.test(line)).join('\n')
  .replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter(Boolean)
  .map((line) => ({ keyword: line.split(/\s+/, 1)[0]!.toUpperCase(), args: line.slice(line.indexOf(' ') + 1).trim() }));
const dockerfileText = instructions.map(({ keyword, args }) => `${keyword} ${args}`).join('\n');
const args = Object.fromEntries(instructions.filter((i) => i.keyword === 'ARG' && i.args.includes('=')).map((i) => i.args.split('=', 2) as [string, string]));
const resolve = (text: string) => text.replace(/\$\{?([A-Z_]+)\}?/g, (whole, name: string) => args[name] ?? whole);

describe('Dockerfile', () => {
  test('is multi-stage and ends on node:24-bookworm-slim', () => {
    const stages = instructions.filter((i) => i.keyword === 'FROM').map((i) => resolve(i.args));
    assert.ok(stages.length >= 3, `expected a deps, a helm and a final stage: ${stages.join(' | ')}`);
    assert.equal(stages.at(-1), 'node:24-bookworm-slim');
    // The earlier stages are named and the final one copies from them.
    for (const stage of stages.slice(0, -1)) {
      const name = / AS ([a-z0-9-]+)$/i.exec(stage)?.[1];
      assert.ok(name && dockerfileText.includes(`--from=${name}`), `stage ${stage} is unnamed or unused`);
    }
  });

  test('runs as a non-root user, uid 10001', () => {
    const final = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
    const user = final.filter((i) => i.keyword === 'USER').at(-1)?.args;
    assert.ok(user, 'the final stage sets no USER');
    assert.equal(user.split(':')[0], '10001');
    assert.ok(final.some((i) => i.keyword === 'RUN' && /useradd .*--uid 10001/.test(i.args)), 'uid 10001 is never created');
  });

  test('has a health check on the API\'s port', () => {
    const healthcheck = instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args;
    assert.ok(healthcheck, 'no HEALTHCHECK');
    assert.match(healthcheck, /API_PORT/);
    assert.match(healthcheck, /\/healthz/);
  });

  test('installs skopeo from Debian and helm at tools/versions.env\'s HELM_VERSION, checksum verified', () => {
    const aptPackages = instructions.filter((i) => i.keyword === 'RUN').flatMap((i) => [...i.args.matchAll(/apt-get install ([^&;|]*)/g)].flatMap((m) => m[1]!.split(/\s+/)));
    assert.ok(aptPackages.includes('skopeo'), `skopeo is not among the apt-get packages: ${aptPackages.join(' ')}`);
    assert.equal(args.HELM_VERSION, versions.HELM_VERSION, 'the Dockerfile\'s HELM_VERSION differs from tools/versions.env');
    const download = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('get.helm.sh'))?.args;
    assert.ok(download, 'helm is not downloaded from get.helm.sh');
    assert.match(download, /helm-\$\{HELM_VERSION\}-linux-/);
    assert.match(download, /sha256sum --check/);
    for (const arch of ['AMD64', 'ARM64']) assert.match(args[`HELM_SHA256_${arch}`] ?? '', /^[0-9a-f]{64}$/, `HELM_SHA256_${arch}`);
    assert.match(download, /test "\$\(\/usr\/local\/bin\/helm version --template '\{\{\.Version\}\}'\)" = "\$HELM_VERSION"/, 'the installed helm\'s version is not checked');
  });

  test('HELM_PATH and SKOPEO_PATH point at what it installs; the default command serves the API, with no ENTRYPOINT', () => {
    const env = instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    assert.match(env, /HELM_PATH=\/usr\/local\/bin\/helm\b/);
    assert.ok(dockerfileText.includes('COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm'));
    assert.match(env, /SKOPEO_PATH=\/usr\/bin\/skopeo\b/);
    assert.ok(!instructions.some((i) => i.keyword === 'ENTRYPOINT'), 'an ENTRYPOINT would be prefixed to the compose commands');
    assert.equal(instructions.filter((i) => i.keyword === 'CMD').at(-1)?.args, '["node", "dist/api.js"]');
  });

  test('copies only what runs: production dependencies, package.json and the compiled dist/', () => {
    assert.ok(instructions.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev/.test(i.args)));
    assert.ok(instructions.some((i) => i.keyword === 'RUN' && i.args === 'npm run build'), 'the image never builds dist/');
    const final = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
    const copied = final.filter((i) => i.keyword === 'COPY').flatMap((i) => i.args.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1));
    assert.deepEqual(copied.sort(), ['/app/dist', '/app/node_modules', '/usr/local/bin/helm', 'package.json']);
  });

  test('.dockerignore keeps dependencies, artifacts, history and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    for (const entry of ['node_modules', 'test-artifacts', '.git', 'bench/results', '.env']) assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'worker.ts', 'src', 'scripts']) assert.ok(!ignored.includes(needed), `.dockerignore drops ${needed}, which the build copies`);
    assert.ok(ignored.includes('!scripts/build.ts'), 'the build stage copies scripts/build.ts');
  });
});

const execFileAsync = promisify(execFile);

/** Runs a program and resolves with its exit code (never rejects on a non-zero one). */
async function exitCode(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, commandArgs, { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof code !== 'number') throw error;
    return { code, output: stdout + stderr };
  }
}

describe('the programs docker-compose.yml runs, against a Temporal dev server', () => {
  let server: DevServer;
  before(async () => {
    server = await devServer();
  });
  after(async () => {
    await server?.teardown();
  });

  test('the search-attribute job makes the namespace, registers the attributes as Keyword, and can run again', async () => {
    const job = service('temporal-search-attributes');
    const [shell, script] = job.entrypoint!;
    const hostScript = (job.volumes ?? []).map(String).find((volume) => volume.split(':')[1] === script)!.split(':')[0]!;
    const namespace = 'compose-job';
    const env = {
      PATH: `${dirname(toolPath('temporalCli'))}:${process.env.PATH}`, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, RETRY_ATTEMPTS: '5',
    };
    for (const run of ['first', 'second']) {
      const { code, output } = await exitCode(shell!, [join(repoRoot, hostScript), ...job.command!], env);
      assert.equal(code, 0, `${run} run failed: ${output}`);
    }
    const { customAttributes } = await server.env.connection.operatorService.listSearchAttributes({ namespace });
    for (const key of searchAttributeKeys) assert.equal(customAttributes[key.name], 2 /* INDEXED_VALUE_TYPE_KEYWORD */, key.name);

    // A name already registered with another type fails the job instead of passing silently.
    const clash = await exitCode(shell!, [join(repoRoot, hostScript), '--name', searchAttributeKeys[0]!.name, '--type', 'Text'], { ...env, RETRY_ATTEMPTS: '1' });
    assert.notEqual(clash.code, 0, clash.output);
  });

  test('the search-attribute job checks what the server holds rather than trusting create\'s exit code', async (t) => {
    const job = service('temporal-search-attributes');
    const [shell, script] = job.entrypoint!;
    const hostScript = (job.volumes ?? []).map(String).find((volume) => volume.split(':')[1] === script)!.split(':')[0]!;
    // A `temporal` whose `search-attribute create` succeeds without doing anything, as a server that skips would.
    const bin = await mkdtemp(join(tmpdir(), 'eksflow-compose-'));
    t.after(() => rm(bin, { recursive: true, force: true }));
    await writeFile(join(bin, 'temporal'), `#!/bin/sh\n[ "$2 $3" = "search-attribute create" ] && exit 0\nexec ${toolPath('temporalCli')} "$@"\n`, { mode: 0o755 });
    const skipped = await exitCode(shell!, [join(repoRoot, hostScript), ...job.command!], {
      PATH: `${bin}:${process.env.PATH}`, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'compose-job-skipped', RETRY_ATTEMPTS: '2',
    });
    assert.notEqual(skipped.code, 0, skipped.output);
    assert.match(skipped.output, /search attribute Eksflow[A-Za-z]+ is missing, expected Keyword/);
  });

  test('the worker\'s health check passes while this host\'s worker polls its task queue, and fails otherwise', async (t) => {
    const [command, ...commandArgs] = healthcheckCommand('worker');
    const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', EKSFLOW_TASK_QUEUE: taskQueue });

    const idle = await exitCode(command!, commandArgs, env('compose-health-no-worker'));
    assert.equal(idle.code, 1, idle.output);

    const config = loadConfig(env('compose-health'));
    const worker: Worker = await createWorker(server.env.nativeConnection, config);
    const running = worker.run();
    t.after(async () => {
      worker.shutdown();
      await running;
    });
    // The first poll reaches the server moments after run(); the check may start sooner.
    await waitFor('the worker health check to pass', async () => {
      const polling = await exitCode(command!, commandArgs, env('compose-health'));
      if (polling.code !== 0) throw new Error(`exit ${polling.code}: ${polling.output}`);
      return true;
    }, { timeoutMs: 30_000, intervalMs: 1_000 });
  });
});
