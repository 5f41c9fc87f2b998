// How long a new Lambda instance takes to bring its S3 databases into /tmp, and
// what visitors see meanwhile (pure). The stub downloads them in the background
// from the init phase on (parallel ranged GETs, stub/datasette_lambda/databases/s3_download.py); a request
// waits for them at most the stub's patience (less when its timeout is shorter)
// and then gets a "loading, retry shortly" page while the download carries on
// over the following requests. So the function timeout need not cover a whole
// download; when a download outlasts a request's wait, the deploy says so, with
// the figures, and suggests --in-place (nothing downloaded: src/plan/in-place.ts).
import { MB } from "./limits.ts";
import { s3DatabaseBytes } from "./placement.ts";
import type { DeployPlan } from "./types.ts";

/**
 * A realistic rate for a new instance fetching from S3 in parallel ranges, on
 * the default 1024 MB of memory (network bandwidth grows with memory); on the
 * low side of what such downloads reach, so the figure is not optimistic.
 */
export const S3_DOWNLOAD_MB_PER_SECOND = 50;
/** How long a request waits for a loading site: stub/datasette_lambda/instance.py PATIENCE_SECONDS. */
export const STUB_PATIENCE_SECONDS = 20;
/** Kept free of a request's time to answer: stub/datasette_lambda/serve/time_left.py RESPONSE_MARGIN_SECONDS. */
export const STUB_RESPONSE_MARGIN_SECONDS = 2;

export function downloadSeconds(bytes: number): number {
  return Math.ceil(bytes / (S3_DOWNLOAD_MB_PER_SECOND * MB));
}

/** Seconds a request waits for a site still loading, given the function's timeout. */
export function requestWaitSeconds(timeoutSeconds: number): number {
  return Math.max(0, Math.min(STUB_PATIENCE_SECONDS, timeoutSeconds - STUB_RESPONSE_MARGIN_SECONDS));
}

const size = (bytes: number) => (bytes >= 1024 * MB ? `${(bytes / 1024 / MB).toFixed(1)} GB` : `${(bytes / MB).toFixed(0)} MB`);

/** A warning when a new instance's download outlasts what its first request waits, or null. */
export function downloadWarning(plan: Pick<DeployPlan, "databases" | "timeoutSeconds" | "snapstart" | "inPlace">): string | null {
  // With SnapStart the download happens once, before the snapshot, when a version is published.
  // In place nothing is downloaded.
  if (plan.snapstart || plan.inPlace !== "off") return null;
  const bytes = s3DatabaseBytes(plan);
  if (bytes === 0) return null;
  const seconds = downloadSeconds(bytes);
  const wait = requestWaitSeconds(plan.timeoutSeconds);
  if (seconds <= wait) return null;
  const waits = wait < STUB_PATIENCE_SECONDS ? `${wait} s, what --timeout ${plan.timeoutSeconds} leaves` : `${wait} s`;
  return (
    `The databases kept in S3 come to ${size(bytes)}: a new Lambda instance needs about ${seconds} s to download them ` +
    `(at ~${S3_DOWNLOAD_MB_PER_SECOND} MB/s), longer than a request waits for them (${waits}). Its first visitors ` +
    `get a "loading, retry shortly" page (503, Retry-After) that reloads itself while the download carries on. ` +
    "To skip the download, serve them in place with --in-place or --in-place=cached (what each costs: README, Costs)."
  );
}
