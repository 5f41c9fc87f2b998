// --plugins-dir, --template-dir and --static MOUNT:DIR: what the user gives,
// and where each goes in the package (site/...). Pure: the directories are
// checked for existence by src/inputs/asset-directories.ts.
import { resolve } from "node:path";
import { UserError } from "../errors.ts";

export interface StaticMount {
  /** URL path segment(s) the files are served under: /MOUNT/... */
  mount: string;
  /** Absolute path of the local directory. */
  dir: string;
}

/** The user's directories (absolute paths), each copied into the package. */
export interface SiteAssets {
  pluginsDir: string | null;
  templateDir: string | null;
  staticMounts: StaticMount[];
}

export const NO_ASSETS: SiteAssets = { pluginsDir: null, templateDir: null, staticMounts: [] };

/** Where each goes inside the package (and the manifest names it so). */
export const PACKAGE_PLUGINS_DIR = "site/plugins";
export const PACKAGE_TEMPLATE_DIR = "site/templates";
export const packageStaticDir = (index: number): string => `site/static/${index}`;

const MOUNT = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

/** "MOUNT:DIR" → a static mount, as Datasette's --static takes it. */
export function parseStaticMount(value: string): StaticMount {
  const colon = value.indexOf(":");
  if (colon < 0) {
    throw new UserError(`--static "${value}" is not MOUNT:DIR`, { hint: "e.g. --static assets:./static serves ./static under /assets/" });
  }
  const mount = value.slice(0, colon).replace(/^\/+|\/+$/g, "");
  const dir = value.slice(colon + 1);
  if (!MOUNT.test(mount) || mount.split("/").some((segment) => segment === "." || segment === "..")) {
    throw new UserError(`--static "${value}": "${mount}" is not a URL path to serve the files under`, {
      hint: "Use letters, digits and . _ ~ - (segments separated by /), e.g. --static assets:./static",
    });
  }
  if (dir === "") throw new UserError(`--static "${value}" names no directory`, { hint: "e.g. --static assets:./static" });
  return { mount, dir: resolve(dir) };
}

export function parseAssets(options: { pluginsDir?: string; templateDir?: string; static?: string[] }): SiteAssets {
  const staticMounts = (options.static ?? []).map(parseStaticMount);
  const seen = new Set<string>();
  for (const { mount } of staticMounts) {
    if (seen.has(mount)) throw new UserError(`--static: the mount "${mount}" is given twice`, { hint: "Give each mount once." });
    seen.add(mount);
  }
  return {
    pluginsDir: options.pluginsDir !== undefined ? resolve(options.pluginsDir) : null,
    templateDir: options.templateDir !== undefined ? resolve(options.templateDir) : null,
    staticMounts,
  };
}
