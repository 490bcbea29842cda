// How the CLI fails: one line on stderr and an exit code per kind of failure, documented in `slipway --help`
// and README. Server errors arrive as TRPCClientError and are mapped here, nowhere else.
import { TRPCClientError } from '@trpc/client';
import { DomainError } from '@/server/errors';
import { SourceFileError } from '@/server/manifest/files';

export const EXIT = {
  ok: 0,
  /** The server refused or failed the request: invalid input, not found, conflict, precondition, server error. */
  api: 1,
  /** The command line or a local file is wrong (nothing was sent), or a confirmation was answered no (nothing was changed). */
  usage: 2,
  /** No token, or the token was refused (401), or its role lacks the scope (403). */
  auth: 3,
  /** The server could not be reached, or what answered is not a Slipway API. */
  unreachable: 4,
  /** `--wait` gave up: the run or rollout had not ended when `--timeout` ran out (it goes on). */
  timeout: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The command's verdict (a gate failed), not a failure of the call: keeps its exit code whatever the command. */
    readonly verdict = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

/** Collapses a message to one line and starts it in lower case, unless it starts with an acronym ("API token…"). */
export function oneLine(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return /^[A-Z][a-z]/.test(flat) ? flat[0]!.toLowerCase() + flat.slice(1) : flat;
}

type ErrorData = { code?: string; httpStatus?: number; requestId?: string | null; fieldErrors?: Record<string, string> | null };

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e && chain.length < 6; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** Turns anything thrown while running a command into a CliError; `serverUrl` is shown without credentials. */
export function toCliError(err: unknown, serverUrl: string): CliError {
  if (err instanceof CliError) return err;
  const chain = causeChain(err);
  const own = chain.find((e): e is CliError => e instanceof CliError);
  if (own) return own;
  // A local file that cannot be read or is not valid: nothing was sent.
  const file = chain.find((e): e is SourceFileError => e instanceof SourceFileError);
  if (file) return new CliError(file.message, EXIT.usage);
  // Rules the shared manifest code checks locally, before asking the server, speak the server's language.
  if (err instanceof DomainError) return new CliError(oneLine(err.message), err.kind === 'unauthorized' || err.kind === 'forbidden' ? EXIT.auth : EXIT.api);

  if (err instanceof TRPCClientError) {
    const data = (err as TRPCClientError<never>).data as ErrorData | undefined;
    if (data?.code) {
      const message = oneLine(err.message);
      if (data.code === 'UNAUTHORIZED' || data.code === 'FORBIDDEN') return new CliError(message, EXIT.auth);
      return new CliError(message, EXIT.api);
    }
  }

  for (const e of chain) {
    const name = (e as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return new CliError(`Slipway at ${serverUrl} did not answer in time`, EXIT.unreachable);
    const code = (e as { code?: string }).code;
    if (code && NETWORK_CODES[code]) return new CliError(`cannot reach Slipway at ${serverUrl} (${NETWORK_CODES[code]})`, EXIT.unreachable);
  }
  const fetchFailure = chain.findIndex((e) => e instanceof TypeError && /fetch failed/.test(e.message));
  if (fetchFailure >= 0) {
    const reason = (chain[fetchFailure + 1] as Error | undefined)?.message;
    return new CliError(`cannot reach Slipway at ${serverUrl}${reason ? ` (${oneLine(reason)})` : ''}`, EXIT.unreachable);
  }
  return new CliError(`unexpected failure: ${oneLine(err instanceof Error ? err.message : String(err))}`, EXIT.api);
}

/** The result of a read, or null when the server answers NOT_FOUND; any other failure still throws. */
export async function orNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof TRPCClientError && (err.data as ErrorData | undefined)?.code === 'NOT_FOUND') return null;
    throw err;
  }
}
