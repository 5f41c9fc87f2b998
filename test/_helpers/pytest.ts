// Python test suites (stub/tests, plugin/tests) run by pytest, each Python test
// reported as a node:test subtest of its own: a failing one is named, with its
// traceback, in npm test's output, and a skipped one says pytest's reason.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, TEST_PYTHON } from "./cli.ts";
import { type PythonTestResult, parseJunit } from "./junit.ts";

const run = promisify(execFile);

export interface PytestRun {
  results: PythonTestResult[];
  /** pytest's exit code: 0 all passed, 1 some failed, 2 interrupted (e.g. a module failed to import), 5 none collected. */
  exitCode: number;
  /** What pytest printed, stdout then stderr. */
  output: string;
}

/** `python -m pytest ARGS` from the repository root (pyproject.toml's [tool.pytest.ini_options]), read from its JUnit XML. */
export async function runPytest(args: string[], env: NodeJS.ProcessEnv = {}): Promise<PytestRun> {
  const dir = mkdtempSync(join(tmpdir(), "dl-pytest-"));
  const xml = join(dir, "results.xml");
  try {
    let exitCode = 0;
    let output: string;
    try {
      const { stdout, stderr } = await run(TEST_PYTHON, ["-m", "pytest", `--junitxml=${xml}`, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
      output = stdout + stderr;
    } catch (error) {
      const failed = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof failed.code !== "number") throw error;
      exitCode = failed.code;
      output = `${failed.stdout ?? ""}${failed.stderr ?? ""}`;
    }
    // 3 (internal error) and 4 (usage error) leave no results worth reading.
    assert.ok([0, 1, 2, 5].includes(exitCode), `pytest ${args.join(" ")} exited ${exitCode}:\n${output.slice(-6000)}`);
    const exists = (path: string) => existsSync(join(REPO_ROOT, path));
    return { results: parseJunit(readFileSync(xml, "utf8"), exists), exitCode, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An error whose whole text is the Python failure (node:test prints no JavaScript stack for it). */
function pythonFailure(result: PythonTestResult): Error {
  const error = new Error(result.failures.join("\n\n"));
  error.name = "PythonTestFailure";
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/** Reports each result as a subtest of t; fails t with pytest's output if pytest failed without naming a test. */
export async function reportPytest(t: TestContext, pytest: PytestRun): Promise<void> {
  for (const result of pytest.results) {
    await t.test(result.id, { skip: result.outcome === "skipped" ? result.skipReason || "skipped" : false }, () => {
      if (result.outcome === "failed") throw pythonFailure(result);
    });
  }
  const summary = pytest.output.trim().split("\n").at(-1) ?? "";
  t.diagnostic(`pytest: ${summary}`);
  // The subtests' own durations are nothing (reported after the fact): these are the Python tests' own.
  const slowest = pytest.results.toSorted((a, b) => b.seconds - a.seconds).slice(0, 3);
  t.diagnostic(`slowest: ${slowest.map((r) => `${r.id} ${r.seconds.toFixed(1)} s`).join(", ")}`);
  const named = pytest.results.some((result) => result.outcome === "failed");
  assert.equal(pytest.exitCode === 0 || pytest.exitCode === 5, !named, `pytest exited ${pytest.exitCode}:\n${pytest.output.slice(-6000)}`);
}

/** runPytest, then reportPytest under t; the results, for the caller's own checks. */
export async function pytestSubtests(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<PythonTestResult[]> {
  const pytest = await runPytest(args, env);
  await reportPytest(t, pytest);
  return pytest.results;
}

/** The ids of the results that passed, among those whose id starts with one of the prefixes. */
export function passedIds(results: PythonTestResult[], ...prefixes: string[]): string[] {
  return results.filter((r) => r.outcome === "passed" && prefixes.some((prefix) => r.id.startsWith(prefix))).map((r) => r.id);
}
