// --encoding NAME names any text encoding Python knows: the Python that converts
// (the host's, found as for converting) is asked, through the converter's own
// check (stub/datasette_lambda/convert/text.py, encoding_problem), before
// anything is built, converted or sent. Only the standard library is imported.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { UserError } from "../errors.ts";
import { findHostPython } from "./converter-env.ts";
import { STUB_DIR } from "./package.ts";

const run = promisify(execFile);

const CHECK = [
  "import sys",
  "sys.path[0] = sys.argv.pop(1)",
  "from datasette_lambda.convert.text import encoding_problem",
  "print(encoding_problem(sys.argv[1]) or '')",
].join("\n");

/** Throws a UserError naming `flag` unless Python can decode text with `name`. */
export async function checkEncoding(name: string, env: NodeJS.ProcessEnv = process.env, flag = "--encoding"): Promise<void> {
  if (name.trim() === "") throw new UserError(`${flag} needs an encoding's name`, { hint: `e.g. ${flag} cp1252` });
  const { python } = await findHostPython(env);
  const { stdout } = await run(python, ["-c", CHECK, fileURLToPath(STUB_DIR), name], {
    env: { ...env, PYTHONNOUSERSITE: "1", PYTHONDONTWRITEBYTECODE: "1" },
    timeout: 20_000,
  });
  const problem = stdout.trim();
  if (problem) {
    throw new UserError(`${flag} ${name}: ${problem}`, {
      hint: "The names Python knows: https://docs.python.org/3/library/codecs.html#standard-encodings",
    });
  }
}
