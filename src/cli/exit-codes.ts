/** What `eksflow` exits with, so scripts can tell a failed run from a refused request from an API that is down. */
export const exitCodes = {
  ok: 0,
  /** The run (or the operation it was asked for) failed. */
  failed: 1,
  /** The request was refused: by the API (4xx) or before it was sent (bad arguments, an unreadable file, no token). */
  refused: 2,
  /** The API could not be reached, or failed itself (5xx). */
  unreachable: 3,
} as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** For `eksflow --help`. */
export const exitCodeHelp = `
Exit codes:
  0  done
  1  the run failed, or the operation it was asked for did not succeed
  2  the request was refused: invalid spec or arguments, missing or unrecognised token,
     not found, conflict (HTTP 4xx, or refused before sending)
  3  the API could not be reached, or it failed (connection refused, HTTP 5xx/503)`;

/**
 * An error that ends the command with `exitCode`, its message and each detail on its own
 * line. Never built from a request's headers: nothing here may carry the token.
 */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode, readonly details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
  }
}
