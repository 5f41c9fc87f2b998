import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { buildLayer, installCommand, layerCacheKey, manylinuxTag, prunableNames } from "../../src/artifacts/layer.ts";
import { findPython } from "../../src/artifacts/python.ts";
import { cliEnv } from "../_helpers/cli.ts";

test("Lambda's glibc decides the wheel platform: AL2023 for 3.12+, AL2 before", () => {
  assert.equal(manylinuxTag("3.13"), "manylinux_2_34");
  assert.equal(manylinuxTag("3.12"), "manylinux_2_34");
  assert.equal(manylinuxTag("3.11"), "manylinux2014");
});

test("uv and pip are asked for the Lambda platform, binary wheels only", () => {
  const request = { requirements: ["datasette==0.65.5"], pythonVersion: "3.13", arch: "arm64" as const };
  const [uv, uvArgs] = installCommand("uv", request, "/t", "/r.txt");
  assert.equal(uv, "uv");
  assert.deepEqual(uvArgs.slice(uvArgs.indexOf("--python-platform"), uvArgs.indexOf("--python-platform") + 4), [
    "--python-platform",
    "aarch64-manylinux_2_34",
    "--python-version",
    "3.13",
  ]);
  assert.ok(uvArgs.includes("--only-binary") && uvArgs.includes(":all:"));
  const [, pipArgs] = installCommand("pip", { ...request, arch: "x86_64" }, "/t", "/r.txt");
  assert.ok(pipArgs.includes("manylinux_2_34_x86_64") && pipArgs.includes("manylinux2014_x86_64"));
  assert.ok(pipArgs.includes("--only-binary=:all:") && pipArgs.includes("--implementation"));
});

test("pip and setuptools are dropped unless asked for", () => {
  assert.deepEqual(prunableNames(["datasette==0.65.5", "mangum==0.22.0"]), ["pip", "setuptools", "pkg_resources", "_distutils_hack"]);
  assert.deepEqual(prunableNames(["datasette", "setuptools>=70"]), ["pip"]);
  assert.deepEqual(prunableNames(["pip"]), ["setuptools", "pkg_resources", "_distutils_hack"]);
});

test("the cache key changes with anything that changes the layer", () => {
  const base = { requirements: ["a==1", "b==2"], pythonVersion: "3.13", arch: "arm64" as const };
  const key = layerCacheKey(base, "3.13");
  assert.equal(layerCacheKey({ ...base, requirements: ["b==2", "a==1"] }, "3.13"), key, "order does not matter");
  assert.notEqual(layerCacheKey({ ...base, requirements: ["a==1", "b==3"] }, "3.13"), key);
  assert.notEqual(layerCacheKey({ ...base, arch: "x86_64" }, "3.13"), key);
  assert.notEqual(layerCacheKey({ ...base, pythonVersion: "3.12" }, "3.13"), key);
  assert.notEqual(layerCacheKey(base, null), key);
});

test("the default layer is built for arm64 Lambda, compiled when Python 3.13 is here, and cached", async () => {
  const env = cliEnv();
  const request = { requirements: ["datasette==0.65.5", "mangum==0.22.0"], pythonVersion: "3.13", arch: "arm64" as const };
  const layer = await buildLayer(request, { env });
  const names = execFileSync("unzip", ["-Z1", layer.path], { maxBuffer: 64 * 1024 * 1024 })
    .toString()
    .trim()
    .split("\n");
  assert.ok(
    names.every((name) => name.startsWith("python/")),
    "everything under python/",
  );
  assert.ok(names.includes("python/datasette/app.py"));
  assert.ok(
    names.some((name) => /aarch64-linux-gnu\.so$/.test(name)),
    "arm64 binary wheels",
  );
  assert.ok(!names.some((name) => /x86_64-linux-gnu\.so$/.test(name)), "no host binaries");
  assert.ok(
    !names.some((name) => name.startsWith("python/pip/") || name.startsWith("python/setuptools/") || name.startsWith("python/bin/")),
  );
  assert.ok(!names.includes("python/.lock"), "no installer lock file");
  const compiled = names.filter((name) => name.endsWith(".pyc"));
  if (await findPython("3.13", env)) {
    assert.equal(layer.compiledWith, "3.13");
    assert.ok(compiled.length > 100 && compiled.every((name) => name.includes(".cpython-313.")));
    // Datasette's templates, compiled on this machine from the arm64 layer's packages.
    assert.ok(names.includes("python/datasette_lambda_templates/index.json"), "compiled templates");
    assert.ok(names.filter((name) => name.startsWith("python/datasette_lambda_templates/") && name.endsWith(".cache")).length > 20);
  } else {
    assert.equal(layer.compiledWith, null);
    assert.equal(compiled.length, 0, "no .pyc of another Python version");
    assert.ok(!names.some((name) => name.startsWith("python/datasette_lambda_templates/")), "no templates compiled by another Python");
  }
  const again = await buildLayer(request, { env });
  assert.equal(again.fromCache, true);
  assert.equal(again.sha256, layer.sha256);
});
