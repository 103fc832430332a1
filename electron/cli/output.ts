// How the CLI speaks: results on stdout (human text, or one JSON document with --json), errors
// as one line "what happened. what to do." on stderr, and exit codes scripts can rely on.
import { RpcError } from '../../shared/rpc/errors';

export const ExitCode = { ok: 0, failure: 1, usage: 2, refused: 3 } as const;

/** An error the CLI itself raises (bad arguments, nothing to connect to). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface OutputOptions {
  json?: boolean;
}

export function printResult(opts: OutputOptions, json: unknown, human: () => string): void {
  process.stdout.write(opts.json ? JSON.stringify(json, null, 2) + '\n' : human().replace(/\n?$/, '\n'));
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof RpcError) {
    if (e.kind === 'policyRefused' || e.kind === 'fenced') return ExitCode.refused;
    if (e.kind === 'invalidParams') return ExitCode.usage;
  }
  return ExitCode.failure;
}

/** Prints an error as one line (or a JSON object with --json) and returns its exit code. */
export function reportError(e: unknown, opts: OutputOptions): number {
  const message = e instanceof Error ? e.message : String(e);
  // SshError, TransportError and the git engine's errors carry a `hint` too: show every one.
  const maybeHint = e instanceof Error ? (e as { hint?: unknown }).hint : undefined;
  const hint = typeof maybeHint === 'string' ? maybeHint : undefined;
  const code = e instanceof RpcError ? e.kind : e instanceof CliError ? 'cli' : 'internalError';
  if (opts.json) {
    process.stdout.write(JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } }) + '\n');
  } else {
    process.stderr.write(`baton: ${oneLine(message)}${hint ? ` ${oneLine(hint)}` : ''}\n`);
  }
  return exitCodeFor(e);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
