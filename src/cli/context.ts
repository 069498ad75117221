import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { CliError, exitCodes } from './exit-codes';

export interface GlobalOptions {
  apiUrl: string;
  token?: string;
  json?: boolean;
}

/** What every command gets: how to print, and the API client (made only by commands that call the API). */
export interface CliContext {
  json: boolean;
  /** A line (or block) for a person, on stdout. */
  print(text: string): void;
  /** A value as JSON on stdout. */
  printJson(value: unknown): void;
  api(): ApiClient;
}

export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return {
    json: options.json === true,
    print: (text) => process.stdout.write(`${text}\n`),
    printJson: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    api() {
      const token = options.token?.trim();
      if (!token) {
        throw new CliError('no API token: set EKSFLOW_TOKEN (or pass --token)', exitCodes.refused, [
          '`eksflow token <tenant>` makes a token and the EKSFLOW_API_TOKENS entry the API admits it by',
        ]);
      }
      return new ApiClient({ apiUrl: options.apiUrl, token });
    },
  };
}
