// What a running site says it serves: GET <site>/-/datasette-lambda.json
// (under --prefix when there is one), answered by the stub with
// Cache-Control: no-store (docs/live-data.md):
//   {"databases": {"<name>": {"sha256", "dataAsOf", "live": bool}}, "manifestEtag", "checkedAt"}
// Pure: the address to poll and what an answer means for a push.

export const STATUS_PATH = "-/datasette-lambda.json";

export interface SiteStatus {
  databases: Record<string, { sha256?: string; dataAsOf?: string; live?: boolean }>;
}

/** `base` is the site's address with its prefix ("https://x.net/data/"); the query string defeats any cache. */
export function statusUrl(base: string, cacheBuster: string): string {
  const url = new URL(STATUS_PATH, base.endsWith("/") ? base : `${base}/`);
  url.searchParams.set("_", cacheBuster);
  return url.toString();
}

export function parseSiteStatus(text: string): SiteStatus | undefined {
  try {
    const raw = JSON.parse(text) as { databases?: unknown } | null;
    if (!raw || typeof raw.databases !== "object" || raw.databases === null || Array.isArray(raw.databases)) return undefined;
    return { databases: raw.databases as SiteStatus["databases"] };
  } catch {
    return undefined;
  }
}

/** The names (of `expected`: name -> sha256) that the site does not serve live with those bytes yet. */
export function pendingDatabases(status: SiteStatus, expected: Record<string, string>): string[] {
  return Object.entries(expected)
    .filter(([name, sha256]) => {
      const served = status.databases[name];
      return !(served && served.live === true && served.sha256 === sha256);
    })
    .map(([name]) => name);
}
