// The CI and release workflows (.github/workflows/), read as GitHub reads them,
// so they cannot rot unseen: a version tag triggers the release; the tag is
// checked against the versions, then the suite (.ci/run) runs, and only then
// are the npm package (with provenance) and the plugin (PyPI trusted
// publishing) published, the OIDC token granted to the publishing jobs alone.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { REPO_ROOT } from "../_helpers/cli.ts";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  uses?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { tags?: string[]; branches?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) => parse(readFileSync(join(REPO_ROOT, ".github", "workflows", name), "utf8")) as Workflow;
const ci = workflow("ci.yml");
const release = workflow("release.yml");

/** The jobs `name` waits for, directly or through others. */
function upstream(jobs: Record<string, Job>, name: string): Set<string> {
  const found = new Set<string>();
  const visit = (job: string) => {
    const needs = jobs[job]?.needs ?? [];
    for (const need of typeof needs === "string" ? [needs] : needs) {
      assert.ok(jobs[need], `${job} needs ${need}, which is not a job`);
      if (!found.has(need)) {
        found.add(need);
        visit(need);
      }
    }
  };
  visit(name);
  return found;
}

/** The one job whose steps satisfy `matches`. */
function jobWith(jobs: Record<string, Job>, what: string, matches: (step: Step) => boolean): [string, Job] {
  const found = Object.entries(jobs).filter(([, job]) => (job.steps ?? []).some(matches));
  assert.equal(found.length, 1, `one job should ${what}; found ${found.map(([name]) => name).join(", ") || "none"}`);
  return found[0]!;
}

/** Jobs that run .ci/run, themselves or through the CI workflow. */
function testJobs(jobs: Record<string, Job>): string[] {
  return Object.entries(jobs)
    .filter(([, job]) => job.uses === "./.github/workflows/ci.yml" || (job.steps ?? []).some((step) => step.run?.trim() === ".ci/run"))
    .map(([name]) => name);
}

const environmentName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

test("CI runs .ci/run on every push to a branch, every pull request, and when the release calls it", () => {
  assert.deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push", "workflow_call"]);
  assert.deepEqual(ci.on.push?.branches, ["**"]);
  assert.equal(ci.on.push?.tags, undefined, "tags are the release workflow's");
  assert.deepEqual(testJobs(ci.jobs), Object.keys(ci.jobs));
  assert.ok(existsSync(join(REPO_ROOT, ".ci", "run")));
  const node = ci.jobs.test!.steps!.find((step) => step.uses?.startsWith("actions/setup-node@"));
  assert.ok(Number(node?.with?.["node-version"]) >= 22.13, "a Node.js the package supports");
});

test("a version tag starts the release; nothing else does", () => {
  assert.deepEqual(Object.keys(release.on), ["push"]);
  assert.deepEqual(release.on.push, { tags: ["v*"] });
});

test("the tag is checked against the versions before the tests, and the tests before any publishing", () => {
  const [versionJob] = jobWith(release.jobs, "check the tag", (step) =>
    /^node \.github\/release-check\.ts "\$GITHUB_REF_NAME"/.test(step.run ?? ""),
  );
  const check = release.jobs[versionJob]!.steps!.find((step) => step.run?.includes("release-check.ts"))!;
  assert.equal(
    check.run,
    'node .github/release-check.ts "$GITHUB_REF_NAME" "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY"',
    "the tag itself, and the repository the release runs in",
  );
  assert.ok(existsSync(join(REPO_ROOT, ".github", "release-check.ts")));

  const tests = testJobs(release.jobs);
  assert.equal(tests.length, 1, "one job runs the suite");
  assert.ok(upstream(release.jobs, tests[0]!).has(versionJob), "the suite runs once the tag is checked");

  const [npmJob] = jobWith(release.jobs, "publish to npm", (step) => /\bnpm publish\b/.test(step.run ?? ""));
  const npmSteps = release.jobs[npmJob]!.steps!.map((step) => step.run ?? "");
  const naming = npmSteps.findIndex((run) => run.includes("release-check.ts --name-repository"));
  assert.ok(
    naming >= 0 && naming < npmSteps.findIndex((run) => /\bnpm publish\b/.test(run)),
    "package.json names the repository before npm publish",
  );
  const [pypiJob] = jobWith(release.jobs, "publish to PyPI", (step) => step.uses?.startsWith("pypa/gh-action-pypi-publish@") ?? false);
  for (const job of [npmJob, pypiJob]) {
    const before = upstream(release.jobs, job);
    assert.ok(before.has(tests[0]!) && before.has(versionJob), `${job} publishes only after the version check and the suite`);
  }
});

test("the plugin is published only after the npm package it runs", () => {
  const [npmJob] = jobWith(release.jobs, "publish to npm", (step) => /\bnpm publish\b/.test(step.run ?? ""));
  const [pypiJob] = jobWith(release.jobs, "publish to PyPI", (step) => step.uses?.startsWith("pypa/gh-action-pypi-publish@") ?? false);
  assert.ok(upstream(release.jobs, pypiJob).has(npmJob));
});

test("only the publishing jobs get an OIDC token", () => {
  assert.deepEqual(release.permissions, { contents: "read" });
  const publishing = Object.entries(release.jobs)
    .filter(([, job]) => job.permissions?.["id-token"] === "write")
    .map(([name]) => name)
    .sort();
  const [npmJob] = jobWith(release.jobs, "publish to npm", (step) => /\bnpm publish\b/.test(step.run ?? ""));
  const [pypiJob] = jobWith(release.jobs, "publish to PyPI", (step) => step.uses?.startsWith("pypa/gh-action-pypi-publish@") ?? false);
  assert.deepEqual(publishing, [npmJob, pypiJob].sort());
});

test("npm: the package as npm ci builds it, public, with provenance", () => {
  const [, job] = jobWith(release.jobs, "publish to npm", (step) => /\bnpm publish\b/.test(step.run ?? ""));
  const runs = job.steps!.map((step) => step.run ?? step.uses ?? "");
  const publish = runs.findIndex((run) => /\bnpm publish\b/.test(run));
  assert.ok(
    runs.slice(0, publish).some((run) => /^npm ci\b/.test(run)),
    "dependencies installed (prepack compiles dist/)",
  );
  assert.match(runs[publish]!, /--provenance\b/);
  assert.match(runs[publish]!, /--access public\b/);
  const node = job.steps!.find((step) => step.uses?.startsWith("actions/setup-node@"));
  assert.equal(node?.with?.["registry-url"], "https://registry.npmjs.org");
  const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  assert.deepEqual(packageJson.publishConfig, { access: "public", provenance: true }, "a publish by hand cannot drop them either");
});

test("PyPI: the plugin's sdist and wheel, through trusted publishing in the pypi environment", () => {
  const [pypiName, pypi] = jobWith(
    release.jobs,
    "publish to PyPI",
    (step) => step.uses?.startsWith("pypa/gh-action-pypi-publish@") ?? false,
  );
  assert.equal(environmentName(pypi), "pypi", "the environment the PyPI trusted publisher names");
  const publish = pypi.steps!.find((step) => step.uses?.startsWith("pypa/gh-action-pypi-publish@"))!;
  assert.equal(publish.with?.["packages-dir"], "plugin/dist/");
  assert.equal(publish.with?.password, undefined, "trusted publishing: no token");

  const [buildName, build] = jobWith(release.jobs, "build the plugin", (step) => /python -m build plugin\b/.test(step.run ?? ""));
  assert.match(build.steps!.map((step) => step.run ?? "").join("\n"), /python -m build plugin --outdir plugin\/dist\b/);
  assert.ok(upstream(release.jobs, pypiName).has(buildName));
  const uploaded = build.steps!.find((step) => step.uses?.startsWith("actions/upload-artifact@"));
  const downloaded = pypi.steps!.find((step) => step.uses?.startsWith("actions/download-artifact@"));
  assert.equal(downloaded?.with?.name, uploaded?.with?.name, "the built files reach the publishing job");
  assert.equal(downloaded?.with?.path, "plugin/dist/");
  assert.ok(existsSync(join(REPO_ROOT, "plugin", "pyproject.toml")));
});
