// The Python of stub/ (the runtime package and its tests) and plugin/ is linted,
// formatted and type-checked in CI: ruff check, ruff format --check and mypy, with
// their configuration in pyproject.toml and their versions pinned in
// requirements-test.txt. Each test fails naming the findings.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, TEST_PYTHON } from "./_helpers/cli.ts";

const run = promisify(execFile);

/** Runs a Python tool of the venv from the repository root; its output when it fails, else null. */
async function findings(module: string, args: string[]): Promise<string | null> {
  try {
    await run(TEST_PYTHON, ["-m", module, ...args], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return null;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}`.trim() || String(error);
  }
}

const PATHS = ["stub", "plugin"];

test("ruff check finds nothing in stub/ and plugin/", async () => {
  const found = await findings("ruff", ["check", "--no-cache", "--output-format", "concise", ...PATHS]);
  assert.equal(found, null, `ruff check (fix with .venv/bin/ruff check --fix ${PATHS.join(" ")}):\n${found}`);
});

test("ruff format leaves stub/ and plugin/ as they are", async () => {
  const found = await findings("ruff", ["format", "--no-cache", "--check", "--diff", ...PATHS]);
  assert.equal(found, null, `ruff format would change (run .venv/bin/ruff format ${PATHS.join(" ")}):\n${found?.slice(0, 6000)}`);
});

test("mypy finds nothing in stub/ and plugin/ (pyproject.toml's [tool.mypy])", async () => {
  const found = await findings("mypy", ["--config-file", join(REPO_ROOT, "pyproject.toml")]);
  assert.equal(found, null, `mypy:\n${found}`);
});
