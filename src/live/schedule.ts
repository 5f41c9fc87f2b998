// A scheduled import (`schedule NAME URL --every 1h`): the flags checked and
// turned into an EventBridge Scheduler schedule whose target is the site's
// converter function, and the event it sends (the contract of
// stub/datasette_lambda/contract/scheduled_import.py; golden examples in
// contract/schemas/scheduled-import.examples.json). Pure.
import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import { type ConvertSettings, validateFts } from "../plan/convert-settings.ts";
import { liveNameFromFile, validateLiveName } from "../database-names.ts";
const UNITS: Record<string, { seconds: number; unit: "minute" | "hour" | "day" }> = {
  m: { seconds: 60, unit: "minute" },
  min: { seconds: 60, unit: "minute" },
  minute: { seconds: 60, unit: "minute" },
  minutes: { seconds: 60, unit: "minute" },
  h: { seconds: 3600, unit: "hour" },
  hour: { seconds: 3600, unit: "hour" },
  hours: { seconds: 3600, unit: "hour" },
  d: { seconds: 86400, unit: "day" },
  day: { seconds: 86400, unit: "day" },
  days: { seconds: 86400, unit: "day" },
};
/** A year: longer intervals are surely a typo. */
const MAX_EVERY_SECONDS = 366 * 86400;

export interface Every {
  /** EventBridge Scheduler's rate expression: "rate(1 hour)", "rate(30 minutes)". */
  expression: string;
  seconds: number;
}

/** --every 30m | 1h | 2d (minutes, hours, days) → a rate expression (Scheduler's "Rate-based schedules"). */
export function parseEvery(value: string | undefined): Every {
  const example = "e.g. --every 1h (or 30m, 6h, 1d)";
  if (value === undefined) throw new UserError("schedule needs --every: how often to fetch the URL", { hint: example });
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(value);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const count = match ? Number(match[1]) : 0;
  if (!match || !unit || count < 1) {
    throw new UserError(`--every "${value}" is not an interval: a whole number of minutes, hours or days`, { hint: example });
  }
  const seconds = count * unit.seconds;
  if (seconds > MAX_EVERY_SECONDS) throw new UserError(`--every ${value} is longer than a year`, { hint: example });
  return { expression: `rate(${count} ${unit.unit}${count === 1 ? "" : "s"})`, seconds };
}

/** The URL to fetch: http(s) only, and no credentials in it (the schedule would store them in clear). */
export function checkSourceUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`"${value}" is not a URL`, { hint: "Give the address of a data file, e.g. https://example.org/data.csv" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UserError(`${url.protocol} URLs cannot be scheduled: only http and https`, { hint: "e.g. https://example.org/data.csv" });
  }
  if (url.username || url.password) {
    throw new UserError("the URL has a user name or password in it, which the schedule would keep in clear", {
      hint: "Publish the file at an address that needs none (a token in the query string is kept, and never shown).",
    });
  }
  return url;
}

/** What the site may show of the URL: no query string (it may hold a token) and no fragment. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The database a URL's file name gives ("…/Quakes 2026.csv" → "Quakes_2026"), or null when it has none. */
export function databaseFromUrl(url: URL): string | null {
  const segment = url.pathname.split("/").at(-1) ?? "";
  let file = segment;
  try {
    file = decodeURIComponent(segment);
  } catch {
    // a malformed escape: the segment as it is
  }
  const name = file ? liveNameFromFile(file) : "";
  return name && !/^_*$/.test(name) ? name : null;
}

/** The database the import publishes: --into, else the URL's file name. */
export function scheduledDatabase(url: URL, into: string | undefined): string {
  const name = into ?? databaseFromUrl(url);
  if (name === null) {
    throw new UserError(`${displayUrl(url)} has no file name to name its database after`, {
      hint: "Name it with --into, e.g. --into items",
    });
  }
  // The name rule every publisher follows (contract/names.json): the converter function would refuse it too.
  return validateLiveName(name, into !== undefined ? { flag: "--into" } : { file: displayUrl(url) });
}

/**
 * The schedule's name, from the URL alone (so `unschedule NAME URL` finds it
 * whatever --into said): its file name, readable in the console, and the first
 * 12 hex digits of its SHA-256. Scheduler names are [0-9a-zA-Z-_.]{1,64}.
 */
export function scheduleName(url: string): string {
  const slug = (databaseFromUrl(new URL(url)) ?? "import").slice(0, 51);
  return `${slug}-${createHash("sha256").update(url).digest("hex").slice(0, 12)}`;
}

export interface ScheduleFlags {
  every?: string;
  into?: string;
  fts?: string[];
  encoding?: string;
}

export interface ScheduleDefinition {
  /** The schedule's name in the site's group. */
  name: string;
  url: string;
  /** The URL as the site and ls show it. */
  shown: string;
  database: string;
  every: Every;
  /** The schedule's own settings; absent ones are the site's, read at each run. */
  convert: Partial<ConvertSettings>;
  /** The target's Input: the converter function's event. */
  event: Record<string, unknown>;
}

/** The schedule the flags describe (the encoding is checked by Python, separately). */
export function scheduleDefinition(urlText: string, flags: ScheduleFlags): ScheduleDefinition {
  const url = checkSourceUrl(urlText);
  const href = url.href; // normalised, so one address has one schedule
  const every = parseEvery(flags.every);
  const database = scheduledDatabase(url, flags.into);
  const convert: Partial<ConvertSettings> = {
    ...(flags.fts !== undefined ? { fts: validateFts(flags.fts) } : {}),
    ...(flags.encoding !== undefined ? { encoding: flags.encoding } : {}),
  };
  const event = {
    "datasette-lambda": "scheduled-import",
    format: 1,
    schedule: scheduleName(href),
    url: href,
    database,
    keyNames: flags.into !== undefined,
    ...(convert.fts !== undefined ? { fts: convert.fts } : {}),
    ...(convert.encoding ? { encoding: convert.encoding } : {}),
  };
  return { name: scheduleName(href), url: href, shown: displayUrl(url), database, every, convert, event };
}

/** The event a schedule sends, if it is one this tool made (for ls); undefined otherwise. */
export function parseScheduledEvent(input: string | undefined): { url: string; database: string } | undefined {
  try {
    const event = JSON.parse(input ?? "") as Record<string, unknown>;
    if (event["datasette-lambda"] !== "scheduled-import" || typeof event.url !== "string" || typeof event.database !== "string") {
      return undefined;
    }
    return { url: event.url, database: event.database };
  } catch {
    return undefined;
  }
}
