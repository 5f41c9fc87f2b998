// What a release must agree on (.github/release-check.ts): one version in
// package.json (the npm package), plugin/pyproject.toml (the plugin, which runs
// the CLI of its own version) and CHANGELOG.md's newest release, a tag naming
// it, and package.json naming the repository the release runs in.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import {
  changelogVersion,
  pyprojectVersion,
  readVersions,
  repositoryField,
  repositoryProblem,
  repositoryUrl,
  versionProblem,
} from "../../.github/release-check.ts";
import { REPO_ROOT } from "../_helpers/cli.ts";

const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, ".github", "release-check.ts");

test("package.json, plugin/pyproject.toml and CHANGELOG.md carry one version", () => {
  const sources = readVersions(REPO_ROOT);
  assert.deepEqual(
    sources.map((source) => source.file),
    ["package.json", "plugin/pyproject.toml", "CHANGELOG.md"],
  );
  for (const source of sources) assert.match(source.version ?? "", /^\d+\.\d+\.\d+/, `${source.file} has a version`);
  assert.equal(versionProblem(sources), null);
});

test("two that differ are named, with their versions, in one line", () => {
  const problem = versionProblem([
    { file: "package.json", version: "0.2.0" },
    { file: "plugin/pyproject.toml", version: "0.1.0" },
    { file: "CHANGELOG.md", version: "0.2.0" },
  ]);
  assert.equal(
    problem,
    "versions differ: package.json 0.2.0, plugin/pyproject.toml 0.1.0, CHANGELOG.md 0.2.0: " +
      'give all three the version being released (docs/CONTRIBUTING.md, "Releasing")',
  );
  assert.match(
    versionProblem([
      { file: "package.json", version: "0.2.0" },
      { file: "CHANGELOG.md", version: null },
    ])!,
    /CHANGELOG\.md \(none found\)/,
  );
});

test("a tag must name the version, v and all", () => {
  const agreed = ["package.json", "plugin/pyproject.toml", "CHANGELOG.md"].map((file) => ({ file, version: "1.2.3" }));
  assert.equal(versionProblem(agreed, "v1.2.3"), null);
  for (const tag of ["1.2.3", "v1.2.4", "v1.2.3-rc.1"]) {
    assert.equal(
      versionProblem(agreed, tag),
      `tag ${tag} does not name the version 1.2.3 of package.json, plugin/pyproject.toml, CHANGELOG.md: ` +
        "tag v1.2.3, or bump the files first",
    );
  }
});

test("pyproject.toml: the [project] table's version, not another table's", () => {
  const text =
    '[build-system]\nversion = "9.9.9"\n\n[project]\nname = "x"\n# a comment\nversion = "1.2.3"\n\n[tool.x]\nversion = "8.8.8"\n';
  assert.equal(pyprojectVersion(text), "1.2.3");
  assert.equal(pyprojectVersion('[project]\nname = "x"\n[tool.x]\nversion = "8.8.8"\n'), null);
  assert.equal(pyprojectVersion('[project]\nversion = "2.0.0"'), "2.0.0", "the last table, without a trailing newline");
});

test("CHANGELOG.md: the newest dated release, past Unreleased", () => {
  const text = "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.1.0] - 2027-01-02\n\n## [1.0.0] - 2026-12-06\n";
  assert.equal(changelogVersion(text), "1.1.0");
  assert.equal(changelogVersion("## [Unreleased]\n\n## 1.0.0\n"), null, "a heading without [version] - date is not a release");
});

test("package.json's repository, in each form npm accepts, against the one the release runs in", () => {
  const expected = "https://github.com/someone/datasette-lambda";
  for (const given of [
    "git+https://github.com/someone/datasette-lambda.git",
    { type: "git", url: `${expected}.git` },
    "github:someone/datasette-lambda",
    "someone/datasette-lambda",
    `${expected}/`,
  ]) {
    assert.equal(repositoryUrl(given), expected, JSON.stringify(given));
    assert.equal(repositoryProblem(given, expected), null);
  }
  assert.equal(repositoryProblem(undefined, expected), null, "none named: the npm job names the workflow's own");
  assert.deepEqual(repositoryField(expected), { type: "git", url: `git+${expected}.git` });
  assert.equal(repositoryUrl(repositoryField(expected)), expected, "what the npm job writes names the workflow's repository");
  assert.match(repositoryProblem("github:other/fork", expected)!, /^package\.json's repository is https:\/\/github\.com\/other\/fork, /);
});

test("the workflow's check, as the workflow runs it: the tag of this checkout's version passes, another fails in one line", async () => {
  const version = readVersions(REPO_ROOT)[0]!.version;
  const node = [process.execPath, "--experimental-strip-types", "--disable-warning=ExperimentalWarning", SCRIPT];
  const passed = await run(node[0]!, [...node.slice(1), `v${version}`], { cwd: REPO_ROOT });
  assert.equal(passed.stdout, `${version}\n`);
  const fails = (args: string[], message: RegExp) =>
    assert.rejects(run(node[0]!, [...node.slice(1), ...args], { cwd: REPO_ROOT }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, message);
      return true;
    });
  await fails(["v0.0.0-not-this"], /^Error: tag v0\.0\.0-not-this does not name the version [^\n]+\n$/);
  // package.json names no repository yet: the check passes, and the npm job names the workflow's own.
  const named = await run(node[0]!, [...node.slice(1), `v${version}`, "https://github.com/someone/datasette-lambda"], { cwd: REPO_ROOT });
  assert.equal(named.stdout, `${version}\n`);
});
