// The files of --plugins-dir, --template-dir and --static, as package entries
// under site/ (src/plan/assets.ts names the places). Plugins' __pycache__ is
// left out: it depends on the machine, and Lambda's task root is read-only.
import { readFile } from "node:fs/promises";
import { PACKAGE_PLUGINS_DIR, PACKAGE_TEMPLATE_DIR, packageStaticDir, type SiteAssets } from "../plan/assets.ts";
import { sha256 } from "../util/sha256.ts";
import { directoryEntries, type ZipEntry } from "./zip.ts";

export async function assetEntries(assets: SiteAssets): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  if (assets.pluginsDir) {
    const plugins = await directoryEntries(assets.pluginsDir, `${PACKAGE_PLUGINS_DIR}/`);
    entries.push(...plugins.filter((entry) => !entry.name.split("/").includes("__pycache__")));
  }
  if (assets.templateDir) entries.push(...(await directoryEntries(assets.templateDir, `${PACKAGE_TEMPLATE_DIR}/`)));
  for (const [index, { dir }] of assets.staticMounts.entries())
    entries.push(...(await directoryEntries(dir, `${packageStaticDir(index)}/`)));
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Names and contents of every asset file, for the package cache key. */
export async function assetDigest(assets: SiteAssets): Promise<Array<[string, string]>> {
  const digest: Array<[string, string]> = [];
  for (const entry of await assetEntries(assets)) {
    digest.push([entry.name, sha256(typeof entry.source === "string" ? await readFile(entry.source) : entry.source)]);
  }
  return digest;
}
