// "Data as of": when a database's data was last updated. The source file's
// modification time (the latest of them when several files make one
// database), or --data-as-of. Always ISO 8601 UTC to the second, the form
// the package manifest and docs/live-data.md use. Pure.
import { UserError } from "../errors.ts";

/** 2026-12-01T10:00:00Z: UTC, whole seconds (rounded down). */
export function isoSeconds(time: number | Date): string {
  return new Date(Math.floor(+time / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The data as of the newest of these modification times. */
export function dataAsOfFromSources(mtimesMs: number[]): string {
  return isoSeconds(Math.max(...mtimesMs));
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const EXAMPLE = "e.g. --data-as-of 2026-12-01 or --data-as-of 2026-12-01T10:00:00Z";

/** --data-as-of: a date (midnight UTC) or a date and time with Z or an offset; null when not given. */
export function validateDataAsOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const match = ISO.exec(value.trim());
  if (!match) {
    throw new UserError(`--data-as-of "${value}" is not an ISO 8601 date or time`, { hint: EXAMPLE });
  }
  const [, year, month, day, hour, minute, second, zone] = match;
  if (hour !== undefined && zone === undefined) {
    throw new UserError(`--data-as-of "${value}" has a time but no time zone`, {
      hint: `Add Z for UTC or an offset such as +02:00, ${EXAMPLE}`,
    });
  }
  const fields = [Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0)] as const;
  const utc = new Date(Date.UTC(...fields));
  const exists =
    utc.getUTCFullYear() === fields[0] &&
    utc.getUTCMonth() === fields[1] &&
    utc.getUTCDate() === fields[2] &&
    utc.getUTCHours() === fields[3] &&
    utc.getUTCMinutes() === fields[4] &&
    utc.getUTCSeconds() === fields[5];
  if (!exists) {
    throw new UserError(`--data-as-of "${value}" is not a real date or time`, { hint: EXAMPLE });
  }
  const offsetMinutes = zone === undefined || zone === "Z" ? 0 : offsetOf(zone);
  if (Math.abs(offsetMinutes) > 14 * 60 || /[+-]\d{2}:?(?:[6-9]\d)$/.test(zone ?? "")) {
    throw new UserError(`--data-as-of "${value}" has an impossible time zone offset`, { hint: EXAMPLE });
  }
  return isoSeconds(utc.getTime() - offsetMinutes * 60_000);
}

function offsetOf(zone: string): number {
  const digits = zone.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}
