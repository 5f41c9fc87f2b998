// What a running site says it serves: GET <site>/-/datasette-lambda.json
// (under --prefix when there is one), answered by the runtime with
// Cache-Control: no-store (docs/live-data.md; the schema is
// stub/datasette_lambda/contract/schemas/site-status.schema.json).
//
// push asks about what it published: ?expect=<name>:<sha256>, once per
// database, and the answer's "expected" says, for each name, whether the site
// serves it live with exactly those bytes. That part is answered to anyone,
// since it tells nothing to someone who does not already know the sha256; the
// rest ("databases", the manifest's ETag) only to a visitor the site's
// permissions let see it. So push confirms on a site that denies anonymous
// visitors too. Pure: the address to poll and what an answer means.

import { isObject } from "../util/json-shapes.ts";

export const STATUS_PATH = "-/datasette-lambda.json";

export interface SiteStatus {
  /** Per name asked about: served live with the sha256 asked about. */
  expected: Record<string, boolean>;
}

/** `base`: the site's address with its prefix; `expected`: name -> sha256; the cache buster defeats any cache. */
export function statusUrl(base: string, expected: Record<string, string>, cacheBuster: string): string {
  const url = new URL(STATUS_PATH, base.endsWith("/") ? base : `${base}/`);
  for (const [name, sha256] of Object.entries(expected)) url.searchParams.append("expect", `${name}:${sha256}`);
  url.searchParams.set("_", cacheBuster);
  return url.toString();
}

/** The answer to an `expect` question, or undefined when the text is not one. */
export function parseSiteStatus(text: string): SiteStatus | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || !isObject(raw.databases) || !isObject(raw.expected)) return undefined;
  if (!Object.values(raw.expected).every((value) => typeof value === "boolean")) return undefined;
  return { expected: raw.expected as Record<string, boolean> };
}

/** The names (of `expected`) that the site does not serve live with those bytes yet. */
export function pendingDatabases(status: SiteStatus, expected: Record<string, string>): string[] {
  return Object.keys(expected).filter((name) => status.expected[name] !== true);
}
