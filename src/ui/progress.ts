// How the AWS work of a command reads on stderr: stack events, uploads and the
// clean-up of old artifacts. src/aws/ reports through callbacks and results;
// the words and colours are chosen here.
import type { StackEvent } from "@aws-sdk/client-cloudformation";
import type { ChalkInstance } from "chalk";
import type { GarbageResult } from "../aws/garbage.ts";
import type { LiveGarbageResult } from "../aws/live-garbage.ts";
import { errorMessage } from "../errors.ts";
import type { UploadOptions, UploadSummary } from "../aws/uploads.ts";
import type { Artifact } from "../plan/types.ts";
import { plural } from "../util/plural.ts";
import type { Output } from "./output.ts";

const MB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MB) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

function clock(date: Date | undefined): string {
  if (!date) return "--:--:--";
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** One line per event: time, logical id, type, status, reason. */
export function formatStackEvent(event: StackEvent, colors?: ChalkInstance): string {
  const status = event.ResourceStatus ?? "";
  const paint = !colors
    ? (text: string) => text
    : status.endsWith("_FAILED") || status.includes("ROLLBACK")
      ? colors.red
      : status.endsWith("_COMPLETE")
        ? colors.green
        : colors.dim;
  const fields = [clock(event.Timestamp), (event.LogicalResourceId ?? "").padEnd(24), (event.ResourceType ?? "").padEnd(28), paint(status)];
  if (event.ResourceStatusReason) fields.push(event.ResourceStatusReason);
  return fields.join("  ").trimEnd();
}

/** Stack events as status lines, for a wait's onEvent. */
export function printStackEvents(out: Output): (event: StackEvent) => void {
  return (event) => out.info(formatStackEvent(event, out.colors));
}

/**
 * Runs `upload` for the `missing` artifacts (of `checked` looked at) under one
 * task line (a spinner on a terminal), or says there is nothing to send.
 */
export async function reportUploads(
  out: Output,
  bucket: string,
  checked: number,
  missing: Artifact[],
  upload: (events: Pick<UploadOptions, "onProgress" | "onUploaded">) => Promise<UploadSummary>,
): Promise<UploadSummary> {
  if (missing.length === 0) {
    out.info(`All ${checked} artifacts are already in the bucket; nothing to upload.`);
    return { files: 0, bytes: 0 };
  }
  const total = missing.reduce((sum, artifact) => sum + artifact.bytes, 0);
  return out.task(`Uploading ${plural(missing.length, "file")} (${formatBytes(total)})`, (update) =>
    upload({
      onProgress: (p) => update(`${p.index}/${p.count} ${p.key} ${formatBytes(p.sent)} of ${formatBytes(p.total)}`),
      onUploaded: (artifact) => out.debug(`uploaded s3://${bucket}/${artifact.key} (${formatBytes(artifact.bytes)})`),
    }),
  );
}

/** What the clean-up did: deletions as a status line, refusals as a warning, the rest at --verbose. */
export function reportGarbage(out: Output, bucket: string, result: GarbageResult): void {
  if (result.kind === "skipped") {
    out.debug(`not deleting unused artifacts this time: ${result.reason}`);
    return;
  }
  if (result.deleted.length > 0) out.info(`Deleted ${plural(result.deleted.length, "unused artifact")} from the bucket.`);
  if (result.staleLeases.length > 0)
    out.debug(`deleted ${plural(result.staleLeases.length, "stale deploy lease")} (of runs that ended without deleting theirs)`);
  for (const failure of result.failed) out.debug(`could not delete s3://${bucket}/${failure.key}: ${failure.reason}`);
  if (result.failed.length > 0) {
    out.warn(`${plural(result.failed.length, "unused artifact")} could not be deleted; they are retried on the next deploy.`);
  }
}

/** What the clean-up after push or rm did; it never fails the command (the next push retries). */
export function reportLiveGarbage(out: Output, result: { garbage?: LiveGarbageResult; garbageError?: unknown }): void {
  if (result.garbageError !== undefined) {
    out.warn(`Could not delete old database files (${errorMessage(result.garbageError)}); the next push tries again.`);
    return;
  }
  if (!result.garbage) return;
  if (result.garbage.deleted.length > 0) out.info(`Deleted ${plural(result.garbage.deleted.length, "old database file")} from the bucket.`);
  if (result.garbage.failed.length > 0)
    out.warn(`${plural(result.garbage.failed.length, "old database file")} could not be deleted; the next push tries again.`);
}
