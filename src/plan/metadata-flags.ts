// --title, --license, --source, --about and their _url forms, merged into the
// metadata as `datasette publish` does: a flag given wins over the file's
// top-level key; nested objects (plugins) merge key by key. Pure.

/** The metadata flags, as commander names them (underscores kept). */
export const METADATA_FLAGS = ["title", "license", "license_url", "source", "source_url", "about", "about_url"] as const;

export type MetadataFlags = Partial<Record<(typeof METADATA_FLAGS)[number], string>>;

/** The top-level metadata the flags given ask for. */
export function metadataFromFlags(options: MetadataFlags): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const flag of METADATA_FLAGS) {
    const value = options[flag];
    if (value !== undefined) extra[flag] = value;
  }
  return extra;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `extra` merged into `metadata` (a new object): objects merge recursively, anything else in `extra` wins. */
export function mergeMetadata(metadata: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...metadata };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined || value === null) continue;
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? mergeMetadata(current, value) : value;
  }
  return merged;
}
