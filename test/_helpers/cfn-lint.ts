// Runs cfn-lint (PyPI, pinned in requirements-test.txt) from the test venv.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface CfnLintFinding {
  Filename: string;
  Level: "Error" | "Warning" | "Informational";
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number }; Path?: (string | number)[] };
}

/** cfn-lint beside the tests' Python (DATASETTE_LAMBDA_PYTHON, else .venv). */
export function cfnLintPath(): string {
  const python = resolve(repoRoot, process.env.DATASETTE_LAMBDA_PYTHON ?? ".venv/bin/python");
  return join(dirname(python), "cfn-lint");
}

/** Lints the files in one cfn-lint run (its start-up dominates) and returns every finding. */
export async function cfnLint(files: string[]): Promise<CfnLintFinding[]> {
  const bin = cfnLintPath();
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: pip install -r requirements-test.txt into the venv, or set DATASETTE_LAMBDA_PYTHON`);
  }
  // Exit status is a bit mask of the levels found (2 error, 4 warning, 8 info);
  // 1 means cfn-lint itself failed. Findings are read from the JSON instead.
  const stdout = await new Promise<string>((done, fail) => {
    execFile(bin, ["--format", "json", "--", ...files], { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
      const code = error && typeof error.code === "number" ? error.code : 0;
      if (error && (typeof error.code !== "number" || code & 1)) fail(new Error(`cfn-lint failed: ${err || error.message}`));
      else done(out);
    });
  });
  return JSON.parse(stdout) as CfnLintFinding[];
}

/** One line per finding, for assertion messages. */
export function formatFindings(findings: CfnLintFinding[]): string {
  return findings.map((f) => `${f.Filename}:${f.Location.Start.LineNumber} ${f.Rule.Id} ${f.Level}: ${f.Message}`).join("\n");
}
