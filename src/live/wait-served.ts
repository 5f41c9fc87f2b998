// push's wait: poll the site's status page until it serves what was just
// published, or give up after a timeout. Each instance of the function checks
// the manifest itself (every LiveCheckSeconds, inside a request), so the answer
// comes from whichever instance took the request: once one serves the new
// bytes, the others follow within their own check interval.
//
// Any answer but a usable 200 is retried (the site may be busy, cold, or
// briefly failing); the last problem is reported if the wait times out.
import { errorMessage } from "../errors.ts";
import { realSleep, sleepUnlessAborted, type Sleep } from "../util/sleep.ts";
import { redactSignedUrls } from "../util/redact.ts";
import { parseSiteStatus, pendingDatabases, statusUrl } from "./site-status.ts";

export const WAIT_TIMEOUT_MS = 3 * 60_000;
export const WAIT_POLL_MS = 2000;
/** One status request may take this long (a cold start included). */
export const REQUEST_TIMEOUT_MS = 20_000;

export type WaitOutcome =
  | { kind: "served"; elapsedMs: number }
  | { kind: "timed-out"; elapsedMs: number; pending: string[]; lastProblem: string | undefined }
  | { kind: "interrupted"; elapsedMs: number };

export interface WaitOptions {
  fetch?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
  timeoutMs?: number;
  pollMs?: number;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  /** After each poll: how many of the databases are served, and the last problem if any. */
  onProgress?: (progress: { served: number; total: number; elapsedMs: number; problem: string | undefined }) => void;
}

type Poll = { kind: "status"; pending: string[] } | { kind: "problem"; problem: string };

async function poll(url: string, expected: Record<string, string>, options: WaitOptions): Promise<Poll> {
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await doFetch(url, { signal, headers: { accept: "application/json" }, redirect: "follow" });
    const text = await response.text();
    if (!response.ok) return { kind: "problem", problem: `HTTP ${response.status}` };
    const status = parseSiteStatus(text);
    if (!status) return { kind: "problem", problem: "an answer that is not the status JSON" };
    return { kind: "status", pending: pendingDatabases(status, expected) };
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout, a bad port).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? errorMessage(error);
    return { kind: "problem", problem: redactSignedUrls(why) };
  }
}

/** `base`: the site's address with its prefix; `expected`: name -> sha256 just published. */
export async function waitUntilServed(base: string, expected: Record<string, string>, options: WaitOptions = {}): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const timeoutMs = options.timeoutMs ?? WAIT_TIMEOUT_MS;
  const total = Object.keys(expected).length;
  const started = now();
  let pending = Object.keys(expected);
  let lastProblem: string | undefined;
  for (;;) {
    const result = await poll(statusUrl(base, expected, String(now())), expected, options);
    const elapsedMs = now() - started;
    if (options.signal?.aborted) return { kind: "interrupted", elapsedMs };
    if (result.kind === "status") {
      pending = result.pending;
      lastProblem = undefined;
      if (pending.length === 0) return { kind: "served", elapsedMs };
    } else {
      lastProblem = result.problem;
    }
    options.onProgress?.({ served: total - pending.length, total, elapsedMs, problem: lastProblem });
    if (elapsedMs >= timeoutMs) return { kind: "timed-out", elapsedMs, pending, lastProblem };
    if ((await sleepUnlessAborted(sleep, options.pollMs ?? WAIT_POLL_MS, options.signal)) === "aborted") {
      return { kind: "interrupted", elapsedMs: now() - started };
    }
  }
}
