// A y/N question on the terminal. Without a terminal there is nobody to ask:
// that is an error naming --yes, never a silent yes.
import { createInterface } from "node:readline";
import { UserError } from "../errors.ts";

export interface ConfirmOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** What would be done, for the refusal: "delete the site mysite". */
  action: string;
}

export function noTerminalError(action: string): UserError {
  return new UserError(`Refusing to ${action} without confirmation: there is no terminal to ask on.`, {
    hint: "Run it again with --yes to confirm in advance (e.g. in scripts and CI).",
  });
}

/** True only for "y" or "yes"; Enter, anything else, Ctrl-C or Ctrl-D mean no. */
export async function confirm(question: string, options: ConfirmOptions): Promise<boolean> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  if (!input.isTTY || !output.isTTY) throw noTerminalError(options.action);
  const rl = createInterface({ input, output, terminal: true });
  try {
    return await new Promise<boolean>((resolve) => {
      rl.on("SIGINT", () => {
        output.write("\n");
        resolve(false);
      });
      rl.on("close", () => resolve(false));
      rl.question(`${question} [y/N] `, (answer) => resolve(/^\s*y(es)?\s*$/i.test(answer)));
    });
  } finally {
    rl.close();
  }
}
