// Where Lambda offers SnapStart: "all commercial Regions except Asia Pacific
// (New Zealand) and Asia Pacific (Taipei)" (checked 2026-12-06). Known only
// once the region is resolved, so update-stack checks it then, before the build.
import { UserError } from "../errors.ts";

export const SNAPSTART_REGIONS_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-supported-regions";

/** Commercial regions without SnapStart, by code. */
export const SNAPSTART_UNAVAILABLE: Readonly<Record<string, string>> = {
  "ap-southeast-6": "Asia Pacific (New Zealand)",
  "ap-east-2": "Asia Pacific (Taipei)",
};

/** Region prefixes of partitions other than AWS's commercial one (China, GovCloud, ISO, European Sovereign Cloud). */
const OTHER_PARTITIONS = ["cn-", "us-gov-", "us-iso", "eusc-"];

/** Why --snapstart cannot be used in `region`, or undefined when it can. */
export function snapStartUnavailable(region: string): string | undefined {
  const name = SNAPSTART_UNAVAILABLE[region];
  if (name) return `${name} (${region})`;
  if (OTHER_PARTITIONS.some((prefix) => region.startsWith(prefix))) return `${region}, outside AWS's commercial Regions`;
  return undefined;
}

export function checkSnapStartRegion(snapstart: boolean, region: string): void {
  if (!snapstart) return;
  const where = snapStartUnavailable(region);
  if (where) {
    throw new UserError(`--snapstart: Lambda SnapStart is not offered in ${where}`, {
      hint: `Deploy without --snapstart, or in another region (${SNAPSTART_REGIONS_SOURCE}).`,
    });
  }
}
