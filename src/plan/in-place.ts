// --in-place: the S3 databases are opened where they are, through an Amazon S3
// Files mount of the bucket (the NAME-files stack, templates/files.yaml), instead
// of being downloaded to /tmp by every new instance. Pure: the flag's values, the
// combinations refused, and the NAME-files stack's parameters.
import { UserError } from "../errors.ts";
import type { DeployPlan, InPlaceMode } from "./types.ts";

export type { InPlaceMode };
export const IN_PLACE_MODES = ["direct", "cached"] as const;

/** --cache-days: days without a read after which data leaves the fast tier (S3 Files allows 1-365). */
export const CACHE_DAYS = { min: 1, max: 365, default: 7 } as const;

/** --in-place as commander gives it: true (no value), a string (--in-place=cached), or undefined. */
export function validateInPlace(value: string | boolean | undefined): InPlaceMode {
  if (value === undefined || value === false) return "off";
  if (value === true) return "direct";
  if ((IN_PLACE_MODES as readonly string[]).includes(value)) return value as InPlaceMode;
  throw new UserError(`--in-place=${value}: the mode is direct (the default) or cached`, {
    hint: "e.g. --in-place (pages read from S3) or --in-place=cached (read from S3 Files' high-performance storage)",
  });
}

/** --cache-days applies to --in-place=cached only; a value elsewhere would be ignored, so it is refused. */
export function validateCacheDays(days: number | undefined, mode: InPlaceMode): number {
  if (days === undefined) return CACHE_DAYS.default;
  if (mode !== "cached") {
    throw new UserError(`--cache-days ${days} applies to --in-place=cached only`, {
      hint: `Add --in-place=cached, or drop --cache-days.`,
    });
  }
  if (!Number.isInteger(days) || days < CACHE_DAYS.min || days > CACHE_DAYS.max) {
    throw new UserError(`--cache-days ${days} is out of S3 Files' range ${CACHE_DAYS.min}-${CACHE_DAYS.max}`, {
      hint: `e.g. --cache-days ${CACHE_DAYS.default}`,
    });
  }
  return days;
}

/** Lambda does not snapshot a function that mounts a file system (EFS or S3 Files). */
export function checkInPlaceSnapStart(mode: InPlaceMode, snapstart: boolean): void {
  if (mode === "off" || !snapstart) return;
  throw new UserError(`--in-place mounts the bucket as a file system, and Lambda SnapStart does not support functions with one`, {
    hint: "Use one or the other: --in-place for large databases (nothing is downloaded at cold start), --snapstart for small ones.",
  });
}

/** The NAME-files stack's parameters (templates/files.yaml). */
export function filesStackParameters(plan: Pick<DeployPlan, "inPlace" | "cacheDays">, bucket: string): Record<string, string> {
  return { BucketName: bucket, Cached: plan.inPlace === "cached" ? "true" : "false", CachedDays: String(plan.cacheDays) };
}

/** The app stack's parameters from the NAME-files stack's outputs; all empty when not in place. */
export const FILES_OUTPUTS = ["SubnetIds", "SecurityGroupId", "AccessPointArn", "FileSystemArn"] as const;
export type FilesParameters = Record<(typeof FILES_OUTPUTS)[number], string>;
export const NO_FILES: FilesParameters = { SubnetIds: "", SecurityGroupId: "", AccessPointArn: "", FileSystemArn: "" };
