// The npm package as a stranger gets it: `npm pack`, installed into a fresh
// project, run from a directory that is not this checkout. --help and
// --version answer, and a dry run of a small database builds the templates and
// a site package holding every runtime module (the dependency layer comes
// through uv and PyPI, cached with the other tests' in TEST_CACHE).
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { before, test } from "node:test";
import { promisify } from "node:util";
import { stubFiles } from "../../src/artifacts/package.ts";
import { cliEnv, REPO_ROOT } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { npmPack } from "../_helpers/npm-pack.ts";

const run = promisify(execFile);
const dir = tempDir("dl-packed-");
const project = join(dir, "project");
const work = join(dir, "work");
const installedBin = join(project, "node_modules", ".bin", "datasette-lambda");
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };

/** The installed datasette-lambda, run in `work` with this Node.js first on PATH and no AWS reachable. */
function packed(args: string[]) {
  const env = cliEnv({
    PATH: `${dirname(process.execPath)}:${cliEnv().PATH}`,
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
  });
  return run(installedBin, args, { cwd: work, env, maxBuffer: 16 * 1024 * 1024 });
}

before(async () => {
  const { tarball } = await npmPack(dir);
  mkdirSync(project);
  mkdirSync(work);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "packed-cli-check", private: true }));
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball], {
    cwd: project,
    maxBuffer: 16 * 1024 * 1024,
  });
});

test("the installed package is the compiled CLI, without sources", () => {
  const installed = join(project, "node_modules", "datasette-lambda");
  assert.ok(existsSync(join(installed, "dist", "cli.js")));
  assert.ok(!existsSync(join(installed, "src")), "the launcher runs dist/ only when src/ is absent");
});

test("--help and --version", async () => {
  const help = await packed(["--help"]);
  for (const command of ["update-stack", "push", "ls", "rm", "tail-logs", "delete-stack"])
    assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  assert.equal((await packed(["--version"])).stdout.trim(), version);
});

test("a dry run of a small database from a clean directory", async () => {
  // A database no other test has made, so the site package is built now, by the packed CLI.
  makeDatabase(join(work, "sample.db"), { [`items_${basename(dir).replace(/\W/g, "_")}`]: 3 });
  const { stdout } = await packed([
    "update-stack",
    "sample",
    "sample.db",
    "--dry-run",
    "--out",
    "out",
    "--json",
    "--runtime",
    "python3.11",
    "--arch",
    "x86_64",
  ]);
  const summary = JSON.parse(stdout) as {
    stack: string;
    artifacts: Array<{ key: string }>;
    databases: Array<{ name: string; inline: boolean }>;
  };
  assert.equal(summary.stack, "sample");
  assert.deepEqual(
    summary.databases.map(({ name, inline }) => ({ name, inline })),
    [{ name: "sample", inline: true }],
  );

  const out = join(work, "out");
  for (const file of ["app.yaml", "prereq.yaml", "parameters.json"]) assert.ok(existsSync(join(out, file)), file);
  const keys = summary.artifacts.map((artifact) => artifact.key);
  for (const key of keys) assert.ok(existsSync(join(out, "artifacts", key)), key);
  const packageKey = keys.find((key) => /^package\/[0-9a-f]{64}\.zip$/.test(key));
  assert.ok(packageKey && keys.some((key) => /^layer\/[0-9a-f]{64}\.zip$/.test(key)), keys.join(", "));

  const entries = execFileSync("unzip", ["-Z1", join(out, "artifacts", packageKey)])
    .toString()
    .split("\n");
  const missing = (await stubFiles())
    .map((file) => basename(file))
    .filter((name) => !entries.some((entry) => entry === name || entry.endsWith(`/${name}`)));
  assert.deepEqual(missing, [], "every runtime module is in the site package");
  assert.ok(entries.includes("manifest.json"));
});
