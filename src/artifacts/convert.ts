// Data files → SQLite databases, by running the converter the function in AWS
// runs too (`python -m datasette_lambda.convert`, stub/datasette_lambda/convert/) with the host environment of converter-env.ts.
// Without --into each file becomes a database named after it; with --into
// NAME every file is a table of the one database NAME.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { basename, join } from "node:path";
import { UserError } from "../errors.ts";
import type { DatabaseInput } from "../plan/types.ts";
import { checkDistinctNames, liveNameFromFile, validateLiveName } from "../database-names.ts";
import { isObject, isSha256, isTableCounts, isWholeNumber } from "../util/json-shapes.ts";
import { converterEnvironment, type ConverterEnvironment } from "./converter-env.ts";
import { STUB_DIR } from "./package.ts";

/** A database made from data files (in workDir, named `${name}.db`), with the files it came from. */
export type ConvertedDatabase = Pick<DatabaseInput, "name" | "path" | "fileName" | "bytes" | "sha256" | "tables"> & {
  /** The data files it was made from, as given. */
  sources: string[];
};

export interface ConvertOptions {
  into?: string;
  pk?: string;
  /** Where the databases are written; the caller removes it when done with them. */
  workDir: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/**
 * Which files make which database (pure). Each name follows the name rule
 * (src/database-names.ts), and no two files may make the same database: checked
 * before anything is converted.
 */
export function conversionGroups(files: string[], into?: string): Array<{ name: string; files: string[] }> {
  if (into !== undefined) {
    validateLiveName(into, { flag: "--into" });
    return files.length > 0 ? [{ name: into, files }] : [];
  }
  const groups = files.map((file) => ({ name: validateLiveName(liveNameFromFile(file), { file: basename(file) }), files: [file] }));
  checkDistinctNames(
    groups.map(({ name, files: [file] }) => ({ name, from: file! })),
    "Rename one of them, or put both into one database with --into NAME (each file is a table of it).",
  );
  return groups;
}

interface ConverterSuccess {
  database: string;
  tables: Record<string, { count: number }>;
  bytes: number;
  sha256: string;
}

interface ConverterFailure {
  error: { file: string; line: number | null; reason: string };
}

/** The converter's result as stub/datasette_lambda/contract/schemas/conversion-result.schema.json has it. */
function isSuccess(value: unknown): value is ConverterSuccess {
  return (
    isObject(value) &&
    typeof value.database === "string" &&
    isTableCounts(value.tables) &&
    isWholeNumber(value.bytes) &&
    isSha256(value.sha256)
  );
}

function isFailure(value: unknown): value is ConverterFailure {
  if (!isObject(value) || !isObject(value.error)) return false;
  const { file, line, reason } = value.error;
  return typeof file === "string" && typeof reason === "string" && (line === null || (isWholeNumber(line) && line >= 1));
}

/** The converter's --json output and exit code → the result, or the UserError to report (pure). */
export function converterOutcome(code: number | null, stdout: string, stderr: string, files: string[]): ConverterSuccess {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    parsed = undefined;
  }
  if (code === 2 && isFailure(parsed)) {
    const { file, line, reason } = parsed.error;
    throw new UserError(`${file}${line !== null ? `:${line}` : ""}: ${reason}`, {
      hint: "Fix the file and run again.",
    });
  }
  if (code === 0 && isSuccess(parsed)) return parsed;
  const lastLine = stderr.trim().split("\n").at(-1) || `exit code ${code}`;
  throw new UserError(`converting ${files.join(", ")} failed: ${lastLine}`, {
    hint: "Run again with --verbose; if the converter itself crashed, please report it with the file if you can.",
  });
}

/**
 * `python -m datasette_lambda.convert ARGS` with stub/ in place of the working
 * directory on sys.path: the user's directory (where the data files are) must not
 * shadow a module, and Python 3.10 has no -P to keep it off. runpy is what -m runs.
 */
export function converterCommand(args: string[]): string[] {
  const launch =
    "import runpy, sys; sys.path[0] = sys.argv.pop(1); runpy.run_module('datasette_lambda.convert', run_name='__main__', alter_sys=True)";
  return ["-c", launch, fileURLToPath(STUB_DIR), ...args];
}

function runConverter(
  environment: ConverterEnvironment,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(environment.python, converterCommand(args), {
      env: {
        ...env,
        PYTHONPATH: environment.sitePackages,
        PYTHONNOUSERSITE: "1",
        // Never write __pycache__ into stub/ (it may be read-only, e.g. under node_modules).
        PYTHONDONTWRITEBYTECODE: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-64 * 1024)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Converts the data files into databases in workDir (see ConvertOptions). */
export async function convertDataFiles(files: string[], options: ConvertOptions): Promise<ConvertedDatabase[]> {
  const groups = conversionGroups(files, options.into);
  if (groups.length === 0) return [];
  const env = options.env ?? process.env;
  const environment = await converterEnvironment({ env, log: options.log });
  const converted: ConvertedDatabase[] = [];
  for (const group of groups) {
    const fileName = `${group.name}.db`;
    const path = join(options.workDir, fileName);
    options.log?.(`converting ${group.files.join(", ")}`);
    const args = [...group.files, "--out", path, "--json", ...(options.pk !== undefined ? ["--pk", options.pk] : [])];
    const { code, stdout, stderr } = await runConverter(environment, args, env);
    const result = converterOutcome(code, stdout, stderr, group.files);
    converted.push({
      name: group.name,
      path,
      fileName,
      bytes: result.bytes,
      sha256: result.sha256,
      tables: result.tables,
      sources: group.files,
    });
  }
  return converted;
}
