// Reading a log group with FilterLogEvents: every stream, every page, and in
// follow mode a poll every ~2 s over a window that overlaps the last one
// (see src/logs/window.ts) so late events are neither lost nor repeated.
import { FilterLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { LogEvent } from "../logs/event.ts";
import { FollowWindow, type WindowOptions } from "../logs/window.ts";
import { realSleep, type Sleep } from "../util/sleep.ts";
import { isLogGroupMissing } from "./tolerated-errors.ts";

export interface LogQuery {
  logGroupName: string;
  startTime: number;
  /** CloudWatch filter pattern, passed through as given. */
  filterPattern?: string;
}

type LogsClient = Pick<CloudWatchLogsClient, "send">;

/** One query, all pages (a page may be empty and still have a next one). */
export async function* filterLogEvents(client: LogsClient, query: LogQuery, signal?: AbortSignal): AsyncGenerator<LogEvent[]> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new FilterLogEventsCommand({
        logGroupName: query.logGroupName,
        startTime: query.startTime,
        ...(query.filterPattern ? { filterPattern: query.filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    const events: LogEvent[] = [];
    for (const event of page.events ?? []) {
      if (event.timestamp === undefined) continue;
      const stream = event.logStreamName ?? "";
      const message = event.message ?? "";
      // Without an id (some emulators), the event's content is its identity.
      events.push({ id: event.eventId ?? `${stream}/${event.timestamp}/${message}`, timestamp: event.timestamp, stream, message });
    }
    yield events;
    nextToken = page.nextToken;
  } while (nextToken);
}

export interface TailOptions extends WindowOptions {
  /** Start of the window, epoch ms. */
  since: number;
  follow: boolean;
  filterPattern?: string;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  sleep?: Sleep;
  now?: () => number;
}

export type TailItem =
  | { type: "event"; event: LogEvent }
  /** The log group does not exist (yet). Reported once per time it goes missing. */
  | { type: "no-log-group" }
  /** A poll finished; `printed` events were new in it. */
  | { type: "polled"; printed: number };

export const DEFAULT_POLL_INTERVAL_MS = 2000;

/**
 * Every event since `since`, oldest first, each once; with `follow`, keeps
 * polling until the signal aborts, then returns normally.
 */
export async function* tailLogEvents(client: LogsClient, logGroupName: string, options: TailOptions): AsyncGenerator<TailItem> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const signal = options.signal;
  const window = new FollowWindow(options.since, options);
  let missing = false;

  while (!signal?.aborted) {
    const polledAt = now();
    let printed = 0;
    try {
      const query: LogQuery = { logGroupName, startTime: window.start };
      if (options.filterPattern) query.filterPattern = options.filterPattern;
      for await (const events of filterLogEvents(client, query, signal)) {
        for (const event of events) {
          if (!window.accept(event)) continue;
          printed += 1;
          yield { type: "event", event };
        }
      }
      missing = false;
    } catch (error) {
      if (signal?.aborted) return;
      if (!isLogGroupMissing(error)) throw error;
      if (!missing) yield { type: "no-log-group" };
      missing = true;
    }
    window.advance(polledAt);
    yield { type: "polled", printed };
    if (!options.follow) return;
    try {
      await sleep(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
  }
}
