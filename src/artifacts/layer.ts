// The dependency layer: Datasette, Mangum and --install packages installed
// for Lambda's platform (not the host's), under python/ as Lambda expects,
// zipped deterministically and cached by what determines its contents.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile, readdir } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { UserError } from "../errors.ts";
import type { Architecture, PackageSize } from "../plan/types.ts";
import { namedPackages, projectName } from "../plan/install.ts";
import { checkLayerRoom } from "../plan/placement.ts";
import { sha256 } from "../util/sha256.ts";
import { fileSizes, ownersFromRecords, packageSizes } from "./layer-packages.ts";
import { chooseInstaller, compileTemplates, compileTree, findPython } from "./python.ts";
import { directoryEntries, writeZip } from "./zip.ts";

const run = promisify(execFile);
/** Bump when the layer's layout, clean-up or cached info changes, to invalidate caches. */
const LAYER_FORMAT = 6;

/**
 * Datasette 0.65 declares pip and setuptools as dependencies (for its
 * `datasette install` command), but a Lambda never imports them: about
 * 11 MB zipped saved. Kept when the user's requirements ask for them.
 */
const UNUSED_AT_RUNTIME = ["pip", "setuptools", "pkg_resources", "_distutils_hack"];

/** Top-level names the layer can drop, given what was asked for (pure). */
export function prunableNames(requirements: string[]): string[] {
  const asked = new Set(requirements.map(projectName));
  return UNUSED_AT_RUNTIME.filter((name) => !asked.has(name) && !(name !== "pip" && asked.has("setuptools")));
}

export interface LayerRequest {
  requirements: string[];
  /** "3.13" */
  pythonVersion: string;
  arch: Architecture;
  /** The requirements that came from --install, as given (for errors; the cache key has them in requirements). */
  install?: string[];
  /** sha256 of each local wheel file in requirements, by its line there (the cache key takes the file's name and content, not its path). */
  wheels?: Record<string, string>;
}

export interface Layer {
  path: string;
  bytes: number;
  sha256: string;
  unzippedBytes: number;
  /** Each installed distribution's files, unzipped, biggest first: what the limit errors name. */
  packages: PackageSize[];
  /** The interpreter version the .pyc files were compiled with, or null (sources only). */
  compiledWith: string | null;
  /** The interpreter of the runtime's version found on this machine (it compiles the package too), or null. */
  python: string | null;
  fromCache: boolean;
}

export interface LayerDeps {
  env?: NodeJS.ProcessEnv;
  /** Progress notes ("installing with uv"). */
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATASETTE_LAMBDA_CACHE) return env.DATASETTE_LAMBDA_CACHE;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "datasette-lambda");
}

/**
 * Lambda's python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34);
 * older ones on Amazon Linux 2 (glibc 2.26), which manylinux2014 fits.
 */
export function manylinuxTag(pythonVersion: string): "manylinux_2_34" | "manylinux2014" {
  const minor = Number(pythonVersion.split(".")[1]);
  return minor >= 12 ? "manylinux_2_34" : "manylinux2014";
}

export function platformArch(arch: Architecture): "aarch64" | "x86_64" {
  return arch === "arm64" ? "aarch64" : "x86_64";
}

/** The installer command lines (pure), for uv and for pip. */
export function installCommand(
  tool: "uv" | "pip",
  request: LayerRequest,
  target: string,
  requirementsFile: string,
  python = "python3",
): [string, string[]] {
  const arch = platformArch(request.arch);
  const tag = manylinuxTag(request.pythonVersion);
  if (tool === "uv") {
    return [
      "uv",
      [
        "pip",
        "install",
        "--quiet",
        "--target",
        target,
        "--python-platform",
        `${arch}-${tag}`,
        "--python-version",
        request.pythonVersion,
        "--only-binary",
        ":all:",
        "--no-compile",
        "-r",
        requirementsFile,
      ],
    ];
  }
  // pip wants every acceptable platform tag spelled out.
  const platforms =
    tag === "manylinux_2_34" ? [`manylinux_2_34_${arch}`, `manylinux_2_28_${arch}`, `manylinux2014_${arch}`] : [`manylinux2014_${arch}`];
  return [
    python,
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--target",
      target,
      ...platforms.flatMap((platform) => ["--platform", platform]),
      "--implementation",
      "cp",
      "--python-version",
      request.pythonVersion,
      "--only-binary=:all:",
      "--no-compile",
      "-r",
      requirementsFile,
    ],
  ];
}

const NO_INSTALLER = () =>
  new UserError("building the dependency layer needs uv or pip, and neither was found", {
    hint: "Install uv (https://docs.astral.sh/uv/, e.g. `pip install uv`) or Python 3 with pip, then run again.",
  });

/** Removes what Lambda never needs and what differs from machine to machine (uv_cache.json: a local wheel's mtime). */
async function cleanTree(dir: string, prune: string[]): Promise<void> {
  await rm(join(dir, "bin"), { recursive: true, force: true }); // console scripts with host shebangs
  await rm(join(dir, ".lock"), { force: true }); // uv's lock on the target directory, empty
  for (const item of await readdir(dir)) {
    const name = item.replace(/-[^-]*\.dist-info$/, "").toLowerCase();
    if (prune.includes(name) || prune.includes(item) || (item === "distutils-precedence.pth" && prune.includes("setuptools"))) {
      await rm(join(dir, item), { recursive: true, force: true });
    }
  }
  for (const item of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(item.parentPath, item.name);
    if (item.isDirectory() && item.name === "__pycache__") await rm(full, { recursive: true, force: true });
    else if (
      item.isFile() &&
      item.parentPath.endsWith(".dist-info") &&
      ["RECORD", "INSTALLER", "direct_url.json", "REQUESTED", "uv_cache.json"].includes(item.name)
    ) {
      await rm(full, { force: true });
    }
  }
}

export function layerCacheKey(request: LayerRequest, compiledWith: string | null): string {
  return sha256(
    JSON.stringify({
      format: LAYER_FORMAT,
      requirements: request.requirements
        .map((line) => {
          const wheel = request.wheels?.[line];
          return wheel === undefined ? line : `${basename(line)} sha256:${wheel}`;
        })
        .sort(),
      python: request.pythonVersion,
      arch: request.arch,
      compiledWith,
    }),
  ).slice(0, 32);
}

export async function buildLayer(request: LayerRequest, deps: LayerDeps = {}): Promise<Layer> {
  const env = deps.env ?? process.env;
  const python = await findPython(request.pythonVersion, env);
  const compiledWith = python ? request.pythonVersion : null;
  const cacheDir = join(cacheDirectory(env), "layers");
  const key = layerCacheKey(request, compiledWith);
  const zipPath = join(cacheDir, `${key}.zip`);
  const infoPath = join(cacheDir, `${key}.json`);
  if (existsSync(zipPath) && existsSync(infoPath)) {
    const info = JSON.parse(await readFile(infoPath, "utf8")) as Omit<Layer, "path" | "fromCache" | "python">;
    return { ...info, path: zipPath, python, fromCache: true };
  }

  const installer = await chooseInstaller("python3", env, NO_INSTALLER);
  const work = await mkdtemp(join(tmpdir(), "datasette-lambda-layer-"));
  try {
    const target = join(work, "python");
    const requirementsFile = join(work, "requirements.txt");
    await writeFile(requirementsFile, `${request.requirements.join("\n")}\n`);
    deps.log?.(
      `installing ${request.requirements.join(", ")} for ${platformArch(request.arch)} Python ${request.pythonVersion} with ${installer}`,
    );
    const [command, args] = installCommand(installer, request, target, requirementsFile);
    try {
      await run(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
    } catch (error) {
      const output = String((error as { stderr?: string }).stderr ?? "");
      const stderr = output.trim().split("\n").slice(-3).join(" ");
      const named = namedPackages(output, request.install ?? []);
      if (named.length > 0) {
        throw new UserError(`--install ${named.join(", ")}: ${installer} could not install it for Lambda (${stderr})`, {
          hint:
            "Check the name and version; " +
            `each package needs a wheel for Linux ${platformArch(request.arch)}, Python ${request.pythonVersion} ` +
            "(pure-Python packages always have one; try --arch x86_64 if a package lacks arm64 wheels).",
          cause: error,
        });
      }
      throw new UserError(`installing the layer's Python packages with ${installer} failed: ${stderr || (error as Error).message}`, {
        hint:
          "Check the package names and that each has a wheel for Lambda's platform (Linux, " +
          `${platformArch(request.arch)}, Python ${request.pythonVersion}); try --arch x86_64 if a package lacks arm64 wheels.`,
        cause: error,
      });
    }
    const owners = await ownersFromRecords(target); // before clean-up deletes RECORD
    await cleanTree(target, prunableNames(request.requirements));
    if (python) {
      await compileTree(python, target, "/opt/python").catch((error: Error) =>
        deps.warn?.(`some layer files did not compile (${error.message.split("\n")[0]}); they will compile at cold start`),
      );
      await compileTemplates(python, target, "/opt/python").catch((error: Error) =>
        deps.warn?.(`Datasette's templates did not precompile (${error.message.split("\n")[0]}); they will compile on first use`),
      );
    } else {
      deps.warn?.(
        `no Python ${request.pythonVersion} found to precompile the layer: shipping sources only, so cold starts are slower. ` +
          `Install Python ${request.pythonVersion} (e.g. \`uv python install ${request.pythonVersion}\`) to fix.`,
      );
    }
    // A layer that cannot fit fails here, naming its biggest packages, before it is zipped and cached.
    const packages = packageSizes(await fileSizes(target), owners);
    const unzippedBytes = packages.reduce((sum, pkg) => sum + pkg.bytes, 0);
    checkLayerRoom(unzippedBytes, 0, { packages, install: request.install ?? [], arch: request.arch });
    await mkdir(cacheDir, { recursive: true });
    const partial = join(cacheDir, `${key}.zip.partial-${process.pid}`);
    const zip = await writeZip(await directoryEntries(target, "python/"), partial);
    const info = { bytes: zip.bytes, sha256: zip.sha256, unzippedBytes: zip.unzippedBytes, packages, compiledWith };
    await rename(partial, zipPath);
    await writeFile(infoPath, JSON.stringify(info));
    return { ...info, path: zipPath, python, fromCache: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
