// --since: a duration back from now (30s, 10m, 1h, 2d, 1w) or an ISO 8601 time.
import { UserError } from "../errors.ts";
import { plural } from "../util/plural.ts";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const EXAMPLES = "e.g. --since 30s, 10m, 1h, 2d or 2026-01-31T12:00:00Z";

/** The start of the window in epoch milliseconds. */
export function parseSince(value: string, now: number): number {
  const text = value.trim();
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text);
  if (duration) {
    const [, amount, unit] = duration;
    return now - Math.round(Number(amount) * UNIT_MS[unit!.toLowerCase()]!);
  }
  // Only things that look like a date: Date.parse alone accepts "1" or "May".
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const time = Date.parse(text);
    if (!Number.isNaN(time)) {
      if (time > now) throw new UserError(`--since ${value} is in the future`, { hint: `Give a time in the past, ${EXAMPLES}.` });
      return time;
    }
  }
  throw new UserError(`--since takes a duration or an ISO time, not "${value}"`, { hint: `Use ${EXAMPLES}.` });
}

/** "10 minutes ago" style text for messages. */
export function describeSince(value: string): string {
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(value.trim());
  if (!duration) return value;
  const names: Record<string, string> = { s: "second", m: "minute", h: "hour", d: "day", w: "week" };
  const amount = Number(duration[1]);
  const unit = names[duration[2]!.toLowerCase()]!;
  return `${plural(amount, unit)} ago`;
}
