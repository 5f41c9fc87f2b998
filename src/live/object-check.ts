// Whether a live database's object is in the bucket as its entry says: an instance that meets
// a missing or cut-short object fails the download (the sha256 check), logs it and retries
// later, for ever; only its log would say so. `ls` reads each object's size (HEAD) and says
// it instead. Pure: the sizes come from src/aws/live-objects.ts.

/** Each live database key's size in the bucket; null when there is no such object. */
export type ObjectSizes = Record<string, number | null>;

const REMEDY = "push it again";

/** Why the object behind a live entry cannot be served, or null when it is there at its size (or was not looked at). */
export function objectProblem(entry: { key: string; bytes: number }, sizes: ObjectSizes | undefined): string | null {
  const size = sizes?.[entry.key];
  if (size === undefined) return null;
  if (size === null) return `its object ${entry.key} is not in the bucket: ${REMEDY}`;
  if (size !== entry.bytes) return `its object ${entry.key} is ${size} bytes, not the ${entry.bytes} its entry says: ${REMEDY}`;
  return null;
}
