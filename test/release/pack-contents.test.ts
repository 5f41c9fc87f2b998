// What the npm package ships (`npm pack --dry-run`): the launcher, the compiled
// CLI, the CloudFormation templates, every runtime file the CLI copies into a
// site's package, the license, README and changelog; no sources, tests,
// benchmarks, caches or compiled Python.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { STUB_DIR, stubFiles } from "../../src/artifacts/package.ts";
import { REPO_ROOT } from "../_helpers/cli.ts";
import { tempDir } from "../_helpers/fixtures.ts";
import { npmPack } from "../_helpers/npm-pack.ts";

const { files } = await npmPack(tempDir("dl-pack-"), { dryRun: true });
const shipped = new Set(files);
const missing = (paths: string[]) => paths.filter((path) => !shipped.has(path));

test("the launcher, package.json and the documents a user or a redistributor needs", () => {
  assert.deepEqual(missing(["bin/datasette-lambda.js", "package.json", "README.md", "LICENSE", "CHANGELOG.md"]), []);
});

test("the CLI, compiled: every source module as dist/**/*.js", () => {
  const sources = (readdirSync(join(REPO_ROOT, "src"), { recursive: true }) as string[]).filter((path) => path.endsWith(".ts"));
  assert.ok(sources.includes("cli.ts"));
  assert.deepEqual(missing(sources.map((path) => `dist/${path.replace(/\.ts$/, ".js")}`)), []);
});

test("the CloudFormation templates", () => {
  const templates = readdirSync(join(REPO_ROOT, "templates")).map((name) => `templates/${name}`);
  assert.ok(templates.length > 0);
  assert.deepEqual(missing(templates), []);
});

test("every runtime file the package build copies, and the runtime's pinned requirements", async () => {
  // The same list the CLI builds a site's package from (src/artifacts/package.ts), relative to stub/.
  const runtime = (await stubFiles()).map((file) => `stub/${file}`);
  assert.ok(runtime.length > 0);
  const requirements = relative(REPO_ROOT, fileURLToPath(new URL("requirements.txt", STUB_DIR)));
  assert.deepEqual(missing([...runtime, requirements]), []);
});

test("no sources, tests, benchmarks, caches, compiled Python or development set-up", () => {
  const unwanted = files.filter(
    (path) =>
      /^(src|test|bench|node_modules|\.venv|\.cache|\.ci|\.github|plugin)\//.test(path) ||
      /(^|\/)tests?\//.test(path) ||
      /(^|\/)__pycache__\//.test(path) ||
      /\.pyc$/.test(path) ||
      /^(tsconfig.*\.json|package-lock\.json|requirements-test\.txt|sample\.db)$/.test(path),
  );
  assert.deepEqual(unwanted, []);
});
