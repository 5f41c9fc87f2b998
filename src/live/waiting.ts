// Files still waiting in incoming/, for `ls`. Pure: from a listing of the
// prefix and the time. The converter function ends every file within its
// 15-minute timeout (templates/app.yaml), published or moved to failed/, and
// is never retried; a file still there long after that was never converted:
// the function was killed (out of memory or time), or the event never reached
// it. Listing the prefix costs nothing at rest, and catches every such case.
import { isoSeconds } from "../plan/data-as-of.ts";
import { INCOMING_PREFIX } from "./manifest.ts";

/** Twice the converter's timeout: older than this, a file is not being converted. */
export const WAITING_AFTER_MS = 30 * 60 * 1000;

export interface WaitingFile {
  /** incoming/<name> */
  key: string;
  /** When it was put there (ISO 8601 UTC, seconds). */
  since: string;
}

/** The objects of incoming/ put there at least `afterMs` before `now`, by key; "folders" are not files. */
export function waitingFiles(
  objects: { key: string; lastModified?: Date }[],
  now: number,
  afterMs: number = WAITING_AFTER_MS,
): WaitingFile[] {
  return objects
    .flatMap(({ key, lastModified }) =>
      key.startsWith(INCOMING_PREFIX) && !key.endsWith("/") && lastModified && now - lastModified.getTime() >= afterMs
        ? [{ key, since: isoSeconds(lastModified) }]
        : [],
    )
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
