// Checks of parsed JSON against the shapes the contract's documents use
// (stub/datasette_lambda/contract/schemas/): what every reader of them needs.

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON integer, not negative. */
export function isWholeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** 64 lower-case hex digits. */
export function isSha256(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
}

/** {"<table>": {"count": <whole number>}}. */
export function isTableCounts(value: unknown): value is Record<string, { count: number }> {
  return isObject(value) && Object.values(value).every((table) => isObject(table) && isWholeNumber(table.count));
}
