// --install PATH.whl: local wheel files, checked to exist and hashed before
// anything is built. The installer gets them as absolute paths; the layer's
// cache key gets their content, so rebuilding a wheel rebuilds the layer.
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { sha256File } from "../util/sha256.ts";
import { UserError } from "../errors.ts";
import { localWheel, safeRequirementPath } from "../plan/install.ts";

export interface InstallRequirements {
  /** The --install requirements as the installer gets them: local wheels as absolute paths. */
  requirements: string[];
  /** sha256 of each local wheel, by its line in requirements. */
  wheels: Record<string, string>;
}

const BUILD_HINT = "Build it first (e.g. pip wheel --no-deps DIR -w dist) or fix the path.";

/** Reads the local wheels among (validated) --install requirements; the others pass as they are. */
export async function readInstallWheels(install: string[], cwd: string = process.cwd()): Promise<InstallRequirements> {
  const requirements: string[] = [];
  const wheels: Record<string, string> = {};
  for (const requirement of install) {
    const wheel = localWheel(requirement);
    if (wheel === null) {
      requirements.push(requirement);
      continue;
    }
    const path = wheel.startsWith("~/") ? join(homedir(), wheel.slice(2)) : resolve(cwd, wheel);
    const info = await stat(path).catch(() => null);
    if (info === null) throw new UserError(`--install ${requirement}: no such file (${path})`, { hint: BUILD_HINT });
    if (!info.isFile()) throw new UserError(`--install ${requirement}: not a wheel file (${path})`, { hint: BUILD_HINT });
    if (!safeRequirementPath(path)) {
      throw new UserError(`--install ${requirement}: its path (${path}) has a space before - or #, or \${, which installers misread`, {
        hint: "Move the wheel to a plainer path (e.g. ./dist/) and pass that.",
      });
    }
    requirements.push(path);
    wheels[path] = await sha256File(path);
  }
  return { requirements: [...new Set(requirements)], wheels };
}
