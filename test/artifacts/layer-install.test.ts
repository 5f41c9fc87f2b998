// --install reaching the installer, and its failure naming the package. The
// installer is a stand-in uv on PATH (no network): it records the requirements
// it was given and fails as uv does for a package with no usable wheel.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildLayer, layerCacheKey } from "../../src/artifacts/layer.ts";
import { UserError } from "../../src/errors.ts";
import { MB } from "../../src/plan/limits.ts";

interface FakeDistribution {
  /** As in the dist-info directory's name: "fat_plugin". */
  name: string;
  /** Path under the target → size; written as sparse files, so big ones cost no disk. */
  files: Record<string, number>;
}

/** A stand-in uv on PATH that "installs" these distributions into --target, each with a RECORD. */
function fakeUv(dir: string, distributions: FakeDistribution[]): void {
  const lines = [
    "#!/bin/sh",
    'if [ "$1" = "--version" ]; then echo "uv 0.0.0 (stand-in)"; exit 0; fi',
    'if [ "$1" != "pip" ]; then exit 1; fi',
    'while [ $# -gt 0 ]; do if [ "$1" = "--target" ]; then target="$2"; fi; shift; done',
  ];
  for (const dist of distributions) {
    const info = `${dist.name}-1.0.dist-info`;
    const paths = [...Object.keys(dist.files), `${info}/RECORD`];
    lines.push(`mkdir -p "$target/${info}"`, `printf '%s,,\\n' ${paths.join(" ")} > "$target/${info}/RECORD"`);
    for (const [path, bytes] of Object.entries(dist.files)) {
      lines.push(`mkdir -p "$(dirname "$target/${path}")"`, `truncate -s ${bytes} "$target/${path}"`);
    }
  }
  writeFileSync(join(dir, "uv"), `${lines.join("\n")}\n`);
  chmodSync(join(dir, "uv"), 0o755);
}

async function withPath<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  try {
    return await body();
  } finally {
    process.env.PATH = path;
  }
}

test("the cache key includes --install requirements", () => {
  const base = { requirements: ["datasette==0.65.5", "mangum==0.22.0"], pythonVersion: "3.13", arch: "arm64" as const };
  const withPlugin = { ...base, requirements: [...base.requirements, "datasette-cluster-map"], install: ["datasette-cluster-map"] };
  assert.notEqual(layerCacheKey(withPlugin, "3.13"), layerCacheKey(base, "3.13"));
});

test("the cache key follows a local wheel's content, not its path", () => {
  const base = {
    requirements: ["datasette==0.65.5", "/a/dist/datasette_foo-0.1-py3-none-any.whl"],
    pythonVersion: "3.13",
    arch: "arm64" as const,
  };
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
      `while [ $# -gt 0 ]; do if [ "$1" = "-r" ]; then cp "$2" ${JSON.stringify(recorded)}; fi; shift; done`,
      "echo '  x No solution found when resolving dependencies:' >&2",
      "echo '  -> Because only datasette-no-wheel-zz9==1.0 is available and it has no wheels with a matching platform tag " +
        "(e.g. manylinux_2_34_aarch64), we can conclude that all versions of datasette-no-wheel-zz9 cannot be used.' >&2",
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
      assert.match(
        error.message,
        /^--install datasette-no-wheel-zz9: uv could not install it for Lambda \(.*no wheels with a matching platform tag/,
      );
      assert.match(error.hint ?? "", /Linux aarch64, Python 3\.13/);
      return true;
    });
    assert.deepEqual(readFileSync(recorded, "utf8").trim().split("\n"), request.requirements);
  } finally {
    process.env.PATH = path;
  }
});

test("the built layer reports each distribution's unzipped size, biggest first, and keeps them in its cache", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dl-sizes-"));
  fakeUv(dir, [
    { name: "datasette", files: { "datasette/app.bin": 1 * MB } },
    { name: "numpy", files: { "numpy/core.bin": 5 * MB, "numpy.libs/libopenblas.bin": 2 * MB } },
    // Imported under another name than it is installed by, as Pillow is PIL: RECORD tells.
    { name: "fat_plugin", files: { "fatplug/data.bin": 3 * MB } },
  ]);
  const request = {
    requirements: ["datasette==0.65.5", "fat-plugin"],
    pythonVersion: "3.13",
    arch: "arm64" as const,
    install: ["fat-plugin"],
  };
  const env = { ...process.env, DATASETTE_LAMBDA_CACHE: join(dir, "cache") };
  const layer = await withPath(dir, () => buildLayer(request, { env, warn: () => {} }));
  // Compiling Datasette's templates may add a small entry of its own where Python 3.13 is installed.
  assert.deepEqual(
    layer.packages.filter((pkg) => pkg.bytes >= MB),
    [
      { name: "numpy", bytes: 7 * MB },
      { name: "fat-plugin", bytes: 3 * MB },
      { name: "datasette", bytes: 1 * MB },
    ],
  );
  assert.equal(
    layer.unzippedBytes,
    layer.packages.reduce((sum, pkg) => sum + pkg.bytes, 0),
  );
  const cached = await withPath(dir, () => buildLayer(request, { env }));
  assert.equal(cached.fromCache, true);
  assert.deepEqual(cached.packages, layer.packages);
});

test("a layer too big for Lambda by itself fails as it is built, naming its biggest packages", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dl-oversize-"));
  fakeUv(dir, [
    { name: "datasette", files: { "datasette/app.bin": 1 * MB } },
    { name: "huge_plugin", files: { "huge_plugin/model.bin": 180 * MB } },
    { name: "torch", files: { "torch/lib/libtorch.bin": 70 * MB } },
  ]);
  const request = {
    requirements: ["datasette==0.65.5", "huge-plugin"],
    pythonVersion: "3.13",
    arch: "arm64" as const,
    install: ["huge-plugin"],
  };
  const cache = join(dir, "cache");
  await withPath(dir, () =>
    assert.rejects(buildLayer(request, { env: { ...process.env, DATASETTE_LAMBDA_CACHE: cache }, warn: () => {} }), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^the dependency layer \(251\.\d MB unzipped\) leaves no room under Lambda's 250 MB unzipped limit/);
      assert.match(
        error.message,
        /; biggest packages: huge-plugin 180\.0 MB, torch 70\.0 MB, datasette 1\.0 MB \(from --install: huge-plugin\)$/,
      );
      assert.match(error.hint ?? "", /^Drop or replace one of --install huge-plugin/);
      return true;
    }),
  );
  assert.ok(!existsSync(join(cache, "layers")) || readdirSync(join(cache, "layers")).length === 0, "nothing zipped or cached");
});
