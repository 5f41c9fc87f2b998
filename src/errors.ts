// Every failure the CLI reports is one of these. They are printed in one
// place (src/cli.ts): one line, the hint after it, the stack only with --verbose.

export class DatasetteLambdaError extends Error {
  /** Process exit code for this kind of failure. */
  readonly exitCode: number = 1;
  /** What the user should do next, printed after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Bad input: a flag, a file, a name. The message names the culprit. */
export class UserError extends DatasetteLambdaError {}

/**
 * Ctrl-C during a deploy, push or delete: the long steps (uploads, stack waits)
 * stop and throw this, saying what state was left behind and that running again recovers.
 */
export class InterruptedError extends UserError {
  // 128 + SIGINT, as shells report a Ctrl-C'd program.
  override readonly exitCode = 130;
}

/** An AWS call or deployment failed; names the stack or resource involved. */
export class AwsError extends DatasetteLambdaError {
  readonly resource: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown; resource?: string } = {}) {
    super(message, options);
    this.resource = options.resource;
  }
}

/** A stack deployment ended in failure; carries the failing resources' reasons. */
export class DeployError extends AwsError {
  readonly reasons: string[];

  constructor(message: string, options: { hint?: string; cause?: unknown; resource?: string; reasons?: string[] } = {}) {
    super(message, options);
    this.reasons = options.reasons ?? [];
  }
}
