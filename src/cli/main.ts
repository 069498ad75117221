import { Command, CommanderError, Option } from 'commander';
import { registerEnvCommands } from './commands/env';
import { registerImageCommands } from './commands/image';
import { registerPlanCommand } from './commands/plan';
import { registerTokenCommand } from './commands/token';
import { CliError, exitCodeHelp, exitCodes } from './exit-codes';
import { errorText } from './render';

/** The `eksflow` command line: a client of the eksflow API (and `token`, which needs none). */
function buildProgram(): Command {
  const program = new Command('eksflow')
    .description('Durable, observable EKS environments: plan, create, watch, scale and delete them through the eksflow API')
    .addOption(new Option('--api-url <url>', 'the eksflow API').env('EKSFLOW_API_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'bearer token for the API (prefer EKSFLOW_TOKEN: a flag shows in the process list)').env('EKSFLOW_TOKEN'))
    .option('--json', 'machine-readable output: the API\'s JSON bodies; a watch prints one JSON object a line')
    .addHelpText('after', exitCodeHelp)
    .showHelpAfterError('(add --help for usage)')
    // Thrown rather than exited, so a usage error gets exit code 2 like any other refused request.
    .exitOverride();
  registerPlanCommand(program);
  registerEnvCommands(program);
  registerImageCommands(program);
  registerTokenCommand(program);
  return program;
}

/** The exit code for what a command threw, after telling the person (on stderr) what went wrong. */
function report(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed the usage error (or the help, or the version).
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.refused;
  }
  const failure = error instanceof CliError ? error : new CliError(`eksflow failed: ${error instanceof Error ? error.message : String(error)}`, exitCodes.failed);
  process.stderr.write(`${json ? JSON.stringify({ error: failure.message, exitCode: failure.exitCode, details: failure.details }) : errorText(failure)}\n`);
  return failure.exitCode;
}

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error, program.opts<{ json?: boolean }>().json === true);
}
