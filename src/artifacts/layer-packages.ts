// Which distribution each file of the dependency layer belongs to, and how
// much each distribution weighs unzipped: what the 250 MB limit errors name.
// Pure, apart from reading the tree (ownersFromRecords, fileSizes).
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { projectName } from "../plan/install.ts";
import type { PackageSize } from "../plan/types.ts";

/** "PyYAML-6.0.2.dist-info" → "pyyaml", "sqlite_utils-3.38.dist-info" → "sqlite-utils". */
export function distributionName(distInfo: string): string {
  return projectName(distInfo.replace(/-[^-]*\.dist-info$/, ""));
}

/** The paths a wheel's RECORD lists: the first CSV column, quoted when it holds a comma. */
export function recordPaths(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "") continue;
    const quoted = /^"((?:[^"]|"")*)"/.exec(line);
    const comma = line.indexOf(",");
    paths.push(quoted ? quoted[1]!.replaceAll('""', '"') : comma < 0 ? line : line.slice(0, comma));
  }
  return paths;
}

/**
 * Sizes per distribution, biggest first. owners maps installed paths (from
 * RECORD) to their distribution. A file RECORD does not list is a compiled
 * .pyc (its source's owner), else it belongs to the one distribution that
 * installed into its directory, else it is named after its top-level entry
 * ("datasette_lambda_templates", or "foo" for "foo.py" / "foo-1.0.dist-info").
 */
export function packageSizes(
  files: Array<{ path: string; bytes: number }>,
  owners: ReadonlyMap<string, string> = new Map(),
): PackageSize[] {
  // Directory → the distributions with files under it.
  const directories = new Map<string, Set<string>>();
  for (const [path, owner] of owners) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const directory = parts.slice(0, i).join("/");
      const set = directories.get(directory) ?? new Set();
      set.add(owner);
      directories.set(directory, set);
    }
  }
  const ownerOf = (path: string): string => {
    const direct = owners.get(path);
    if (direct) return direct;
    const compiled = /^(?:(.*)\/)?__pycache__\/([^/.]+)\.[^/]*\.pyc$/.exec(path);
    const source = compiled && owners.get(`${compiled[1] ? `${compiled[1]}/` : ""}${compiled[2]}.py`);
    if (source) return source;
    const parts = path.split("/");
    for (let i = parts.length - 1; i >= 1; i--) {
      const set = directories.get(parts.slice(0, i).join("/"));
      if (set?.size === 1) return [...set][0]!;
      if (set) break; // shared (a namespace package): no deeper directory decides
    }
    const top = parts[0] === "__pycache__" && parts.length > 1 ? parts.at(-1)! : parts[0]!;
    // "foo-1.0.dist-info" and "foo.libs" go with "foo"; a dot file (uv's .lock) keeps its name.
    const base = top.endsWith(".dist-info") ? top.replace(/-[^-]*\.dist-info$/, "") : top.split(".")[0]!;
    return base ? projectName(base) : top;
  };
  const totals = new Map<string, number>();
  for (const file of files) {
    const name = ownerOf(file.path);
    totals.set(name, (totals.get(name) ?? 0) + file.bytes);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/** Installed path → distribution, from every top-level *.dist-info/RECORD (read before clean-up deletes them). */
export async function ownersFromRecords(dir: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const item of await readdir(dir)) {
    if (!item.endsWith(".dist-info")) continue;
    const text = await readFile(join(dir, item, "RECORD"), "utf8").catch(() => "");
    const name = distributionName(item);
    for (const path of recordPaths(text)) owners.set(path, name);
  }
  return owners;
}

/** Every file under dir with its size, paths relative with forward slashes. */
export async function fileSizes(dir: string): Promise<Array<{ path: string; bytes: number }>> {
  const files: Array<{ path: string; bytes: number }> = [];
  for (const item of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!item.isFile()) continue;
    const full = join(item.parentPath, item.name);
    files.push({ path: relative(dir, full).split(sep).join("/"), bytes: (await stat(full)).size });
  }
  return files;
}
