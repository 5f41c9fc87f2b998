// Times in the live contract: ISO 8601 in UTC, "2026-12-01T10:00:00Z". Readers
// also take a fraction of a second and "+00:00", as other tools write UTC
// (stub/datasette_lambda/contract/timestamps.py reads them the same way). Pure.

const UTC_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|\+00:00)$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A real UTC date and time in that form (year 1 to 9999, no leap second). */
export function isUtcTime(value: unknown): boolean {
  const match = typeof value === "string" ? UTC_TIME.exec(value) : null;
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour < 24 && minute < 60 && second < 60;
}
