import { CliError, exitCodes } from './exit-codes';

/** An API error response: a type to branch on, a message, and where a request was wrong. */
export interface ApiErrorBody {
  error: string;
  message: string;
  errors?: { path: string; message: string }[];
  differences?: { path: string; existing?: unknown; requested?: unknown }[];
}

/** A request body as it goes on the wire. */
export interface Payload {
  contentType: string;
  text: string;
}

export interface ApiClientOptions {
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** The bearer token; sent only in the Authorization header, never shown. */
  token: string;
  /** How long an ordinary request may take. @default 30000 */
  timeoutMs?: number;
}

/** The API answered with an error: 4xx means refused (exit 2), 5xx that it failed (exit 3). */
export class ApiError extends CliError {
  /** @param retryAfterSeconds the API's Retry-After, when it said when to come back (429, 503) */
  constructor(readonly status: number, readonly body: ApiErrorBody, readonly retryAfterSeconds?: number) {
    super(body.message, status >= 500 ? exitCodes.unreachable : exitCodes.refused, [...problemLines(body), ...hintsFor(status)]);
    this.name = 'ApiError';
  }
}

const tokenPattern = /^[!-~]+$/;

/** A thin fetch wrapper: base URL, bearer token, JSON or YAML bodies, and errors as {@link ApiError}. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor({ apiUrl, token, timeoutMs = 30_000 }: ApiClientOptions) {
    const url = parseApiUrl(apiUrl);
    // A header value fetch refuses would be echoed in fetch's own error: check it here, without echoing it.
    if (!tokenPattern.test(token)) throw new CliError('the API token has characters a token never has (a space or a line break?)', exitCodes.refused);
    this.baseUrl = url.href.replace(/\/$/, '');
    this.#authorization = `Bearer ${token}`;
    this.#timeoutMs = timeoutMs;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const search = new URLSearchParams(Object.entries(query).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]]))).toString();
    return this.request<T>('GET', search ? `${path}?${search}` : path);
  }

  post<T>(path: string, payload: Payload, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', path, { body: payload.text, headers: { 'content-type': payload.contentType, ...headers } });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** @param init.timeoutMs for a request that takes longer than an ordinary one (an upload) */
  async request<T>(method: string, path: string, init: { body?: string | Uint8Array; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<T> {
    const response = await this.fetch(path, { method, body: init.body, headers: { accept: 'application/json', ...init.headers } }, AbortSignal.timeout(init.timeoutMs ?? this.#timeoutMs));
    return await response.json() as T;
  }

  /** The open response of a Server-Sent Events route; `signal` closes it. */
  stream(path: string, signal: AbortSignal): Promise<Response> {
    return this.fetch(path, { method: 'GET', headers: { accept: 'text/event-stream' } }, signal);
  }

  /** fetch with the token, turning every failure into a CliError with the right exit code. */
  private async fetch(path: string, init: RequestInit & { headers: Record<string, string> }, signal: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { ...init, signal, headers: { ...init.headers, authorization: this.#authorization } });
    } catch (error) {
      throw this.unreachable(error);
    }
    if (response.ok) return response;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, await errorBody(response), Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }

  private unreachable(error: unknown): CliError {
    const name = (error as { name?: string } | undefined)?.name;
    if (name === 'TimeoutError') return new CliError(`the eksflow API at ${this.baseUrl} did not answer within ${this.#timeoutMs / 1000} s`, exitCodes.unreachable);
    if (name === 'AbortError') return new CliError('the request was stopped', exitCodes.failed);
    // fetch's own message is "fetch failed"; the socket's reason is in its cause.
    const cause = (error as { cause?: { message?: string; code?: string } } | undefined)?.cause;
    const reason = cause?.code ?? cause?.message ?? 'the connection failed';
    return new CliError(`cannot reach the eksflow API at ${this.baseUrl}: ${reason}`, exitCodes.unreachable, ['is the API running there? Set --api-url or EKSFLOW_API_URL']);
  }
}

function parseApiUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`the API URL "${text}" is not a URL (e.g. http://127.0.0.1:8080)`, exitCodes.refused);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`the API URL must be http:// or https://, not ${url.protocol}`, exitCodes.refused);
  // fetch refuses them, and the token is what authenticates.
  if (url.username || url.password) throw new CliError('the API URL must not hold a user name or password; the token authenticates', exitCodes.refused);
  return url;
}

async function errorBody(response: Response): Promise<ApiErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (typeof body.message === 'string') return { error: body.error ?? `HTTP${response.status}`, ...body } as ApiErrorBody;
  } catch {
    // Not ours (a proxy's HTML page, say): the status line is all there is to say.
  }
  return { error: `HTTP${response.status}`, message: `the API answered ${response.status} ${response.statusText}`.trim() };
}

const shown = (value: unknown) => (value === undefined ? '(not set)' : JSON.stringify(value));

function problemLines(body: ApiErrorBody): string[] {
  return [
    ...(body.errors ?? []).map((e) => `${e.path}: ${e.message}`),
    ...(body.differences ?? []).map((d) => `${d.path}: ${shown(d.existing)} → ${shown(d.requested)}`),
  ];
}

function hintsFor(status: number): string[] {
  if (status === 401) return ['check the token in EKSFLOW_TOKEN or --token; `eksflow token <tenant>` makes one for the API\'s EKSFLOW_API_TOKENS'];
  if (status === 503) return ['the API is up but Temporal is not; try again shortly'];
  return [];
}
