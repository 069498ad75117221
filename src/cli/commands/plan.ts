import type { Command } from 'commander';
import { contextOf } from '../context';
import { planText, type PlanBody } from '../render';
import { specPayload } from '../spec-file';

/** `eksflow plan -f <file>`: the dry run, POST /v1/plans. */
export function registerPlanCommand(program: Command): void {
  program.command('plan')
    .description('show what a spec would provision: its steps, the waves they run in, the critical path and an estimate (nothing starts)')
    .requiredOption('-f, --file <file>', 'an EnvironmentSpec (.json or .yaml) or an eksctl ClusterConfig (.yaml); - reads stdin')
    .action(async (options: { file: string }, command: Command) => {
      const context = contextOf(command);
      const api = context.api();
      const plan = await api.post<PlanBody>('/v1/plans', await specPayload(options.file));
      if (context.json) context.printJson(plan);
      else context.print(planText(plan));
    });
}
