// Whether a live database can ever fit the function's /tmp: the rule each instance applies
// before downloading one (stub/datasette_lambda/databases/tmp_space.py), for `ls` to say a
// database cannot be served and why. /tmp holds the deployed databases kept in S3 for as
// long as an instance lives, so what is left for a live one is /tmp less those. Both
// sides are tested on the cases in stub/tests/tmp_space_cases.json. Pure.
import type { DeployedRecord } from "./deployed.ts";

const MB = 1024 * 1024;

/** What the remedy is: a deploy sizes /tmp for the databases it keeps in S3. */
export const TMP_REMEDY = "deploy it with update-stack instead (it sizes /tmp for the databases it deploys), or publish a smaller one";

export function fitsTmp(bytes: number, tmpBytes: number, deployedS3Bytes: number): boolean {
  return bytes <= tmpBytes - deployedS3Bytes;
}

/** What the deployed databases kept in S3 take of /tmp (unknown record: nothing known). */
export function deployedS3Bytes(deployed: DeployedRecord | undefined): number {
  return Object.values(deployed?.databases ?? {})
    .filter((db) => db.location === "s3")
    .reduce((sum, db) => sum + db.bytes, 0);
}

const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** Why a live database of `bytes` cannot be served, in the runtime's words, or null when it may fit (or /tmp is unknown). */
export function tmpProblem(bytes: number, tmpBytes: number | undefined, deployed: DeployedRecord | undefined): string | null {
  if (tmpBytes === undefined) return null;
  const reserved = deployedS3Bytes(deployed);
  if (fitsTmp(bytes, tmpBytes, reserved)) return null;
  return (
    `${megabytes(bytes)} cannot fit in /tmp (${megabytes(tmpBytes)}, ${megabytes(reserved)} of it for deployed databases): ` +
    `not downloaded; ${TMP_REMEDY}`
  );
}
