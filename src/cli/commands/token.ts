import type { Command } from 'commander';
import { newToken } from '../../api/auth/tokens';
import { contextOf } from '../context';
import { CliError, exitCodes } from '../exit-codes';

/** `eksflow token <tenant>`: local, no API. The token is for the caller; the entry is for the API's EKSFLOW_API_TOKENS. */
export function registerTokenCommand(program: Command): void {
  program.command('token')
    .description('make a bearer token for a tenant and the EKSFLOW_API_TOKENS entry that admits it (local; calls no API)')
    .argument('<tenant>', 'the tenant the token acts for (lower-case letters, digits and "-")')
    .option('--read', 'a read-only token: it may plan, get, list and watch, not create, scale or delete')
    .action((tenant: string, options: { read?: boolean }, command: Command) => {
      const context = contextOf(command);
      const access = options.read ? 'read' : 'write';
      let made: ReturnType<typeof newToken>;
      try {
        made = newToken(tenant, access);
      } catch (error) {
        throw new CliError((error as Error).message, exitCodes.refused);
      }
      if (context.json) return context.printJson({ tenant, access, ...made });
      context.print([
        `token for tenant ${tenant} (${access}), for the caller (e.g. EKSFLOW_TOKEN); it is shown only now:`,
        `  ${made.token}`,
        '',
        'EKSFLOW_API_TOKENS entry, for the API (comma-separate it from the others):',
        `  ${made.entry}`,
        '',
        'The API keeps only this entry, a SHA-256 of the token: it can recognise the token but never',
        'show it again. A lost token is replaced by making a new one and swapping its entry in.',
      ].join('\n'));
    });
}
