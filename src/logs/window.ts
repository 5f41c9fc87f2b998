// The moving time window of a followed log: which events are new, and where
// the next query starts. CloudWatch delivers events late (seconds, from
// several streams), so each query re-reads an overlap before the newest event
// seen, and event ids already printed are skipped. Ids older than the window
// can never come back, so they are forgotten: memory stays bounded.
import type { LogEvent } from "./event.ts";

export interface WindowOptions {
  /** How far before the newest seen event the next query starts (late arrivals). */
  overlapMs?: number;
  /** Never re-read more than this before the last poll: a quiet log stays cheap to poll. */
  maxLookbackMs?: number;
}

export const DEFAULT_OVERLAP_MS = 10_000;
export const DEFAULT_MAX_LOOKBACK_MS = 5 * 60_000;

export class FollowWindow {
  private readonly seen = new Map<string, number>();
  private newest: number | undefined;
  private startTime: number;
  private readonly overlapMs: number;
  private readonly maxLookbackMs: number;
  private readonly since: number;

  constructor(since: number, options: WindowOptions = {}) {
    this.since = since;
    this.startTime = since;
    this.overlapMs = options.overlapMs ?? DEFAULT_OVERLAP_MS;
    this.maxLookbackMs = options.maxLookbackMs ?? DEFAULT_MAX_LOOKBACK_MS;
  }

  /** Where the next query starts, epoch ms. */
  get start(): number {
    return this.startTime;
  }

  /** How many event ids are remembered (for tests and --verbose). */
  get remembered(): number {
    return this.seen.size;
  }

  /** True the first time an event is offered; false for a repeat. */
  accept(event: LogEvent): boolean {
    if (this.newest === undefined || event.timestamp > this.newest) this.newest = event.timestamp;
    if (this.seen.has(event.id)) return false;
    this.seen.set(event.id, event.timestamp);
    return true;
  }

  /** After a poll that began at `polledAt` (local clock): move the start on and forget old ids. */
  advance(polledAt: number): void {
    const fromNewest = this.newest === undefined ? -Infinity : this.newest - this.overlapMs;
    const next = Math.max(this.since, polledAt - this.maxLookbackMs, fromNewest);
    // Never move back: a query must not re-read what was already forgotten.
    this.startTime = Math.max(this.startTime, next);
    for (const [id, timestamp] of this.seen) {
      if (timestamp < this.startTime) this.seen.delete(id);
    }
  }
}
