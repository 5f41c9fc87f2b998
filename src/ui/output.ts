// Where output goes: the result on stdout, everything else on stderr.
// Colour and spinners only on an interactive stderr, never in CI, never with NO_COLOR.
import { Chalk, type ChalkInstance } from "chalk";
import ora, { type Ora } from "ora";

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env?: NodeJS.ProcessEnv;
}

export interface Output {
  readonly interactive: boolean;
  readonly json: boolean;
  readonly colors: ChalkInstance;
  /** A progress/status line on stderr (suppressed by --quiet). */
  info(message: string): void;
  /** Detail only shown with --verbose. */
  debug(message: string): void;
  /** A warning on stderr (shown even with --quiet). */
  warn(message: string): void;
  /** The command's result on stdout: text, or with --json the object. */
  result(text: string, json: unknown): void;
  /** A spinner on a TTY; plain start/finish lines otherwise. */
  task<T>(title: string, work: (update: (text: string) => void) => Promise<T>): Promise<T>;
}

/** A terminal a person watches: a TTY with a known width (ora spins forever at 0 columns), not CI. */
export function isInteractive(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && !env.CI;
}

export function createOutput(options: OutputOptions = {}): Output {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const interactive = isInteractive(stderr, env);
  const useColour = interactive && env.NO_COLOR === undefined;
  const colors = new Chalk({ level: useColour ? 1 : 0 });
  const quiet = Boolean(options.quiet);
  const line = (text: string) => stderr.write(`${text}\n`);

  return {
    interactive,
    json: Boolean(options.json),
    colors,
    info(message) {
      if (!quiet) line(message);
    },
    debug(message) {
      if (options.verbose) line(colors.dim(message));
    },
    warn(message) {
      line(colors.yellow(`warning: ${message}`));
    },
    result(text, json) {
      stdout.write(options.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
    },
    async task(title, work) {
      if (quiet) return work(() => {});
      if (!interactive) {
        line(`${title}...`);
        return work(() => {});
      }
      const spinner: Ora = ora({ text: title, stream: stderr, color: "cyan" }).start();
      try {
        const value = await work((text) => {
          spinner.text = `${title} ${colors.dim(text)}`;
        });
        spinner.succeed(title);
        return value;
      } catch (error) {
        spinner.fail(title);
        throw error;
      }
    },
  };
}
