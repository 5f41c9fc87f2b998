// Waiting that Ctrl-C cuts short: the command layer turns SIGINT into an
// AbortSignal, and every poll loop sleeps through one of these so it stops at
// once. Injected everywhere, so tests pass a sleep that returns immediately.
import { setTimeout as setTimeoutPromise } from "node:timers/promises";

/** Waits ms; may return early once `signal` aborts (tests pass a fake that returns at once). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

// Clears its timer on abort, so a Ctrl-C'd command exits at once rather than after the poll interval.
export const realSleep: Sleep = (ms, signal) =>
  setTimeoutPromise(ms, undefined, signal ? { signal } : {}).then(
    () => {},
    () => {},
  );

/** Sleeps, but wakes early when the signal aborts; says which happened. */
export async function sleepUnlessAborted(sleep: Sleep, ms: number, signal?: AbortSignal): Promise<"slept" | "aborted"> {
  if (!signal) {
    await sleep(ms);
    return "slept";
  }
  if (signal.aborted) return "aborted";
  let onAbort = () => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([sleep(ms, signal).then(() => (signal.aborted ? "aborted" : "slept") as "slept" | "aborted"), aborted]);
  } finally {
    // One listener per poll would pile up on a long wait.
    signal.removeEventListener("abort", onAbort);
  }
}
