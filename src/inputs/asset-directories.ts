// The directories of --plugins-dir, --template-dir and --static must exist
// before anything is built; errors name the flag.
import { stat } from "node:fs/promises";
import { UserError } from "../errors.ts";
import type { SiteAssets } from "../plan/assets.ts";

async function checkDirectory(flag: string, dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new UserError(`${flag}: ${dir} does not exist`, { hint: `Pass an existing directory to ${flag}.` });
  if (!info.isDirectory()) throw new UserError(`${flag}: ${dir} is not a directory`, { hint: `Pass a directory to ${flag}.` });
}

export async function checkAssetDirectories(assets: SiteAssets): Promise<void> {
  if (assets.pluginsDir) await checkDirectory("--plugins-dir", assets.pluginsDir);
  if (assets.templateDir) await checkDirectory("--template-dir", assets.templateDir);
  for (const { mount, dir } of assets.staticMounts) await checkDirectory(`--static ${mount}`, dir);
}
