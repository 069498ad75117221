import type { Command } from 'commander';
import { contextOf } from '../context';
import { planText, type PlanBody } from '../render';
import { specPayload } from '../spec-file';

/** `eksflow plan -f <file>`: the dry run, POST /v1/plans. */
export function registerPlanCommand(program: Command): void {
  program.command('plan')
    .description('show what a spec would provision, or for a running environment what applying it would change: its steps, the waves they run in, the critical path and an estimate (nothing starts)')
    .requiredOption('-f, --file <file>', 'an EnvironmentSpec (.json or .yaml) or an eksctl ClusterConfig (.yaml); - reads stdin')
    .option('--kubernetes-version <version>', 'build this Kubernetes version instead of a ClusterConfig\'s metadata.version (for configs written for a version EKS no longer supports)')
    .action(async (options: { file: string; kubernetesVersion?: string }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      // The change plan when the environment is running, as `env apply` would run it.
      const plan = await api.post<PlanBody>('/v1/plans?change=auto', await specPayload(options.file, { kubernetesVersion: options.kubernetesVersion }));
      if (context.json) context.printJson(plan);
      else context.print(planText(plan));
    });
}
