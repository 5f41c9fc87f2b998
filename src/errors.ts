// Every failure the CLI reports is one of these. They are printed in one
// place (src/cli.ts): one line, the hint after it, the stack only with --verbose.
// What a caller may need to act on is a field, never something to parse back
// out of the message.

export class DatasetteLambdaError extends Error {
  /** Process exit code for this kind of failure. */
  readonly exitCode: number = 1;
  #hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.#hint = options.hint;
  }

  /** What the user should do next, printed after the message. */
  get hint(): string | undefined {
    return this.#hint;
  }

  /**
   * Puts advice before the hint, for a caller that knows what the thrower
   * could not (what was already done, what to run next). The error keeps its
   * class, fields, stack and cause: rethrow it as it is.
   */
  addHint(advice: string): this {
    this.#hint = this.#hint ? `${advice} ${this.#hint}` : advice;
    return this;
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

/** One resource of a stack operation that CloudFormation reported failed. */
export interface StackFailure {
  /** The resource's name in the template (for the stack itself: the stack's name). */
  logicalId: string;
  /** "AWS::S3::Bucket"; undefined when CloudFormation did not say. */
  type: string | undefined;
  /** "CREATE_FAILED", "DELETE_FAILED", ... */
  status: string;
  /** CloudFormation's words, when it gave any. */
  reason: string | undefined;
}

/** A stack deployment ended in failure; carries the failing resources, oldest first. */
export class DeployError extends AwsError {
  readonly reasons: StackFailure[];

  constructor(message: string, options: { hint?: string; cause?: unknown; resource?: string; reasons?: StackFailure[] } = {}) {
    super(message, options);
    this.reasons = options.reasons ?? [];
  }
}
