import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { Static } from '@sinclair/typebox';
import type { EnvironmentSummary } from '../../api/environments/list';
import type { EnvironmentView } from '../../api/environments/view';
import type { Accepted, Links } from '../../api/schemas/environments';
import { phases, type ScaleRequest } from '../../workflows/messages';
import { wholeNumber } from '../arguments';
import { contextOf } from '../context';
import { followCleanup, followRun } from '../follow';
import { environmentTable, environmentText, fields, ledgerCount } from '../render';
import { phaseView, stepListView } from '../run-view';
import { specPayload } from '../spec-file';
import { writeKubeconfig } from '../kubeconfig-file';
import type { Kubeconfig } from '../../domain/kubeconfig';
import { changed, deleted, provisioned, scaled } from '../verdicts';
import { specName } from '../spec-file';

type LinksBody = Static<typeof Links>;
interface DeleteBody {
  name: string; workflowId: string; runId: string; action: 'teardown' | 'rollback' | 'cleanup' | 'none'; message: string;
  /** The teardown deleting what an ended run left (or that already did). */
  cleanup?: { workflowId: string; runId?: string };
  links: LinksBody & { cleanup?: string };
}
interface ScaleBody { name: string; updateId: string; request: ScaleRequest; links: LinksBody }
interface DashboardTokenBody { token: string; expiresAt: string; username: string; dashboard: { title: string; namespace: string; portForward: string; url: string } }
interface ListBody { environments: EnvironmentSummary[]; nextCursor?: string }

export const environmentPath = (name: string) => `/v1/environments/${encodeURIComponent(name)}`;

/** `eksflow env …`: request, inspect, list, scale and delete environments. */
export function registerEnvCommands(program: Command): void {
  const env = program.command('env').description('request, inspect, list, scale and delete environments');

  env.command('create')
    .description('request an environment (POST /v1/environments); its run starts at once')
    .requiredOption('-f, --file <file>', 'an EnvironmentSpec (.json or .yaml) or an eksctl ClusterConfig (.yaml); - reads stdin')
    .option('--idempotency-key <key>', 'asking again with the same key and spec returns the same environment, never a second one')
    .option('--watch', 'follow the steps until the environment is ready (exit 0) or has failed (exit 1)')
    .option('--kubernetes-version <version>', 'build this Kubernetes version instead of a ClusterConfig\'s metadata.version')
    .action(async (options: { file: string; idempotencyKey?: string; watch?: boolean; kubernetesVersion?: string }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      const accepted = await api.post<Static<typeof Accepted>>('/v1/environments', await specPayload(options.file, { kubernetesVersion: options.kubernetesVersion }),
        options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {});
      if (context.json) context.print(JSON.stringify(accepted, null, options.watch ? 0 : 2));
      else {
        context.print([
          accepted.created ? `requested ${accepted.name}: its run has started` : `${accepted.name} was already requested with this spec: its run goes on`,
          ...fields([['workflow', accepted.workflowId], ['run', accepted.runId], ['temporal', accepted.links.temporalUi]]),
          ...(options.watch ? [] : [`  follow it with \`eksflow env get ${accepted.name}\`, or ask again with --watch`]),
        ].join('\n'));
      }
      if (options.watch) await followRun(context, api, accepted.name, provisioned(accepted.name), () => stepListView());
    });

  env.command('get')
    .description('an environment: status, phase, steps, app URL, what its ledger holds')
    .argument('<name>', 'the environment')
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const view = await context.api().get<EnvironmentView & { links: LinksBody }>(environmentPath(name));
      if (context.json) context.printJson(view);
      else context.print(environmentText(view));
    });

  env.command('list')
    .description('the tenant\'s environments, newest first')
    .addOption(new Option('--phase <phase>', 'only environments in this phase').choices(phases))
    .addOption(new Option('--state <state>', 'open: runs still going; closed: ended').choices(['open', 'closed']))
    .option('--limit <n>', 'environments per page', wholeNumber(1, 100), 20)
    .option('--all', 'every page, not just the first')
    .action(async (options: { phase?: string; state?: string; limit: number; all?: boolean }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      const environments: EnvironmentSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.get<ListBody>('/v1/environments', { phase: options.phase, state: options.state, limit: options.limit, cursor });
        environments.push(...page.environments);
        cursor = page.nextCursor;
      } while (options.all && cursor);
      if (context.json) return context.printJson({ environments, ...(cursor ? { nextCursor: cursor } : {}) });
      context.print(environmentTable(environments));
      if (cursor) process.stderr.write(`(more than ${environments.length}: --all lists every page)\n`);
    });

  env.command('delete')
    .description('delete an environment: a ready one is torn down, one still provisioning is rolled back, one whose run ended leaving something is cleaned up')
    .argument('<name>', 'the environment')
    .option('--watch', 'follow until the run (or the cleanup) has finished: exit 0 when nothing it made is left, 1 with what is left otherwise')
    .action(async (name: string, options: { watch?: boolean }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      const body = await api.delete<DeleteBody>(environmentPath(name));
      if (context.json) context.print(JSON.stringify(body, null, options.watch ? 0 : 2));
      else {
        context.print([
          `${name}: ${body.message}`,
          ...fields([['workflow', body.cleanup?.workflowId ?? body.workflowId], ['temporal', body.links.cleanup ?? body.links.temporalUi]]),
        ].join('\n'));
      }
      // The run has ended: what moves now is its cleanup, seen through the environment's view.
      if (options.watch && body.cleanup) await followCleanup(context, api, name);
      else if (options.watch) {
        await followRun(context, api, name, deleted(name), () => phaseView((p) => (p.phase === 'tearing-down' || p.phase === 'torn-down' || p.phase === 'rolling-back' ? ledgerCount(p.ledger) : '')));
      }
    });

  env.command('scale')
    .description('resize a node group of a ready environment')
    .argument('<name>', 'the environment')
    .requiredOption('--node-group <group>', 'the node group to resize')
    .requiredOption('--desired <n>', 'how many nodes it should have', wholeNumber(0, 1000))
    .option('--min <n>', 'its new minimum (unchanged when left out)', wholeNumber(0, 1000))
    .option('--max <n>', 'its new maximum (unchanged when left out)', wholeNumber(1, 1000))
    .option('--watch', 'follow until the nodes are Ready (exit 0) or the scale has failed (exit 1)')
    .action(async (name: string, options: { nodeGroup: string; desired: number; min?: number; max?: number; watch?: boolean }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      const request: ScaleRequest = {
        nodeGroup: options.nodeGroup, desiredSize: options.desired,
        ...(options.min !== undefined ? { minSize: options.min } : {}), ...(options.max !== undefined ? { maxSize: options.max } : {}),
      };
      const body = await api.post<ScaleBody>(`${environmentPath(name)}/scale`, { contentType: 'application/json', text: JSON.stringify(request) });
      if (context.json) context.print(JSON.stringify(body, null, options.watch ? 0 : 2));
      else context.print(`${name}: scaling node group ${request.nodeGroup} to ${request.desiredSize} (update ${body.updateId})`);
      if (options.watch) {
        await followRun(context, api, name, scaled(name, request.nodeGroup, request.desiredSize), () => phaseView((p) => {
          const group = p.nodeGroups[request.nodeGroup];
          return group ? `${request.nodeGroup} ${group.minSize} ≤ ${group.desiredSize} ≤ ${group.maxSize}` : '';
        }));
      }
    });

  env.command('apply')
    .description('change an environment to a new spec (PUT /v1/environments/:name): its change plan, then the change in the environment\'s run')
    .requiredOption('-f, --file <file>', 'the whole new EnvironmentSpec (.json or .yaml) or eksctl ClusterConfig (.yaml); - reads stdin')
    .option('--force', 'node group version updates go on past PodDisruptionBudgets that block their drain (pods are deleted), as EKS allows')
    .option('--watch', 'follow the change\'s steps until it is applied (exit 0) or has failed (exit 1)')
    .action(async (options: { file: string; force?: boolean; watch?: boolean }, command: Command) => {
      const context = contextOf(command);
      const payload = await specPayload(options.file);
      await applyChange(context, specName(payload), payload, options);
    });

  env.command('upgrade')
    .description('upgrade an environment\'s Kubernetes version: the control plane one minor at a time, then its add-ons and node groups')
    .argument('<name>', 'the environment')
    .requiredOption('--to <version>', 'the Kubernetes version to reach, e.g. 1.36')
    .option('--force', 'node group updates go on past PodDisruptionBudgets that block their drain, as EKS allows')
    .option('--watch', 'follow the upgrade until it is done (exit 0) or has failed (exit 1)')
    .action(async (name: string, options: { to: string; force?: boolean; watch?: boolean }, command: Command) => {
      const context = contextOf(command);
      const view = await context.api().get<EnvironmentView>(environmentPath(name));
      const live = (view.progress?.spec ?? view.spec) as Record<string, unknown>;
      const payload = { contentType: 'application/json', text: JSON.stringify({ ...live, kubernetesVersion: options.to }) };
      await applyChange(context, name, payload, options);
    });

  env.command('kubeconfig')
    .description('a kubeconfig for the environment\'s cluster; its user runs `aws eks get-token` with your own AWS credentials')
    .argument('<name>', 'the environment')
    .option('--role-arn <arn>', 'a role for `aws eks get-token` to assume, e.g. your team\'s role with an access entry')
    .option('--write', 'merge it into $KUBECONFIG (its first file) or ~/.kube/config, keeping every other context, and make it current')
    .action(async (name: string, options: { roleArn?: string; write?: boolean }, command: Command) => {
      const context = contextOf(command);
      const query = options.roleArn ? `?roleArn=${encodeURIComponent(options.roleArn)}` : '';
      const kubeconfig = await context.api().get<Kubeconfig>(`${environmentPath(name)}/kubeconfig${query}`);
      if (!options.write) {
        if (context.json) context.printJson(kubeconfig);
        else context.print(stringify(kubeconfig).trimEnd());
        return;
      }
      const written = writeKubeconfig(kubeconfig);
      if (context.json) context.printJson(written);
      else context.print(`context "${written.context}" written to ${written.path} and made current; try: kubectl get nodes`);
    });

  env.command('dashboard')
    .description('how to open the environment\'s dashboard, and a short-lived token to sign in with (a write token is needed)')
    .argument('<name>', 'the environment')
    .option('--expires <seconds>', 'how long the token lives (600 to 43200)', wholeNumber(600, 43_200))
    .action(async (name: string, options: { expires?: number }, command: Command) => {
      const context = contextOf(command);
      const body = { ...(options.expires !== undefined ? { expirationSeconds: options.expires } : {}) };
      const issued = await context.api().post<DashboardTokenBody>(`${environmentPath(name)}/dashboard/token`, { contentType: 'application/json', text: JSON.stringify(body) });
      if (context.json) {
        context.printJson(issued);
        return;
      }
      context.print([
        `${issued.dashboard.title} of ${name}:`,
        `  1. kubeconfig:   eksflow env kubeconfig ${name} --write`,
        `  2. reach it:     ${issued.dashboard.portForward}`,
        `  3. open ${issued.dashboard.url} and sign in with this token (valid until ${issued.expiresAt}; eksflow keeps no copy):`,
        '',
        issued.token,
      ].join('\n'));
    });
}

interface ApplyBody { name: string; action: 'change' | 'none'; message?: string; changeId?: string; plan?: { tree: string; estimate: string }; links?: LinksBody }

/** PUT the spec; print the change plan (or that nothing changes); with --watch, follow the change to its end. */
export async function applyChange(context: ReturnType<typeof contextOf>, name: string, payload: { contentType: string; text: string }, options: { force?: boolean; watch?: boolean }): Promise<void> {
  const api = context.api();
  const body = await api.request<ApplyBody>('PUT', `${environmentPath(name)}${options.force ? '?force=true' : ''}`, { body: payload.text, headers: { 'content-type': payload.contentType } });
  if (context.json) context.print(JSON.stringify(body, null, options.watch ? 0 : 2));
  else if (body.action === 'none') context.print(`${name}: ${body.message}`);
  else context.print([body.plan!.tree, `${name}: change ${body.changeId} accepted (~${body.plan!.estimate})`, ...(options.watch ? [] : [`  follow it with \`eksflow env get ${name}\``])].join('\n'));
  if (options.watch && body.action === 'change') {
    await followRun(context, api, name, changed(name, body.changeId!), () => stepListView(undefined, (progress) => (progress.change && progress.change.id === body.changeId ? progress.change.steps : [])));
  }
}
