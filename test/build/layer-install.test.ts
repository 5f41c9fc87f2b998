// --install reaching the installer, and its failure naming the package. The
// installer is a stand-in uv on PATH (no network): it records the requirements
// it was given and fails as uv does for a package with no usable wheel.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildLayer, layerCacheKey } from "../../src/build/layer.ts";
import { UserError } from "../../src/errors.ts";

test("the cache key includes --install requirements", () => {
  const base = { requirements: ["datasette==0.65.5", "mangum==0.22.0"], pythonVersion: "3.13", arch: "arm64" as const };
  const withPlugin = { ...base, requirements: [...base.requirements, "datasette-cluster-map"], install: ["datasette-cluster-map"] };
  assert.notEqual(layerCacheKey(withPlugin, "3.13"), layerCacheKey(base, "3.13"));
});

test("the cache key follows a local wheel's content, not its path", () => {
  const base = { requirements: ["datasette==0.65.5", "/a/dist/datasette_foo-0.1-py3-none-any.whl"], pythonVersion: "3.13", arch: "arm64" as const };
  const key = (path: string, sha: string) =>
    layerCacheKey({ ...base, requirements: [base.requirements[0]!, path], wheels: { [path]: sha } }, "3.13");
  const original = key("/a/dist/datasette_foo-0.1-py3-none-any.whl", "1".repeat(64));
  assert.notEqual(key("/a/dist/datasette_foo-0.1-py3-none-any.whl", "2".repeat(64)), original, "a rebuilt wheel rebuilds the layer");
  assert.equal(key("/elsewhere/datasette_foo-0.1-py3-none-any.whl", "1".repeat(64)), original, "the same wheel moved is the same layer");
  assert.notEqual(key("/a/dist/datasette_foo-0.2-py3-none-any.whl", "1".repeat(64)), original);
});

test("an --install package the installer cannot install fails naming it and the platform", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dl-install-"));
  const recorded = join(dir, "requirements-seen.txt");
  const uv = join(dir, "uv");
  writeFileSync(
    uv,
    [
      "#!/bin/sh",
      'if [ "$1" = "--version" ]; then echo "uv 0.0.0 (stand-in)"; exit 0; fi',
      'while [ $# -gt 0 ]; do if [ "$1" = "-r" ]; then cp "$2" ' + JSON.stringify(recorded) + "; fi; shift; done",
      "echo '  x No solution found when resolving dependencies:' >&2",
      "echo '  -> Because only datasette-no-wheel-zz9==1.0 is available and it has no wheels with a matching platform tag (e.g. manylinux_2_34_aarch64), we can conclude that all versions of datasette-no-wheel-zz9 cannot be used.' >&2",
      "exit 1",
    ].join("\n"),
  );
  chmodSync(uv, 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  try {
    const request = {
      requirements: ["datasette==0.65.5", "mangum==0.22.0", "datasette-no-wheel-zz9"],
      pythonVersion: "3.13",
      arch: "arm64" as const,
      install: ["datasette-no-wheel-zz9"],
    };
    await assert.rejects(buildLayer(request, { env: { ...process.env, DATASETTE_LAMBDA_CACHE: join(dir, "cache") } }), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^--install datasette-no-wheel-zz9: uv could not install it for Lambda \(.*no wheels with a matching platform tag/);
      assert.match(error.hint ?? "", /Linux aarch64, Python 3\.13/);
      return true;
    });
    assert.deepEqual(readFileSync(recorded, "utf8").trim().split("\n"), request.requirements);
  } finally {
    process.env.PATH = path;
  }
});
