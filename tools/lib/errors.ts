/**
 * Errors a user can act on (design rule 8): what failed, where (file:line, AT command, byte offset)
 * and what to do. The CLI prints `message` (+ hint) as one line and exits non-zero; anything that is
 * not a UserError is a bug and shows its stack only with --debug.
 */
export class UserError extends Error {
  /** Machine-readable code, e.g. 'BUILD_REJECTED', 'BOARD_INVALID'. */
  readonly code: string;
  /** What the user can do about it. */
  readonly hint?: string;
  /** Process exit code the CLI uses (library code never exits). */
  readonly exitCode: number;

  constructor(code: string, message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UserError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** One line (or a few, for lists of problems) for the terminal. */
export function formatUserError(e: UserError): string {
  return e.hint ? `error: ${e.message}\n  hint: ${e.hint}` : `error: ${e.message}`;
}
