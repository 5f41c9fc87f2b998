// The Lambda Python runtimes a site may use, with AWS's deadlines for each:
// after `deprecated` a runtime gets no more security patches; from
// `blockCreate` Lambda refuses to create functions with it, from `blockUpdate`
// to update them. The one table the CLI and its tests read (templates/app.yaml
// takes any value: the CLI decides, so cfn-lint's date-dependent W1030 never
// fires on the template). A test compares it with the copy cfn-lint bundles.
// Only the runtimes the stub and its layer are built and tested for.

/** AWS's table ("Supported runtimes" and "Deprecated runtimes"). */
export const RUNTIMES_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html";
/** When the dates below were last compared with AWS's page. */
export const RUNTIMES_CHECKED = "2026-12-06";

export interface PythonRuntime {
  id: string;
  /** ISO dates (UTC). */
  deprecated: string;
  blockCreate: string;
  blockUpdate: string;
}

/** Newest first: the first row is the one to move to. */
export const PYTHON_RUNTIMES: readonly PythonRuntime[] = [
  { id: "python3.14", deprecated: "2029-06-30", blockCreate: "2029-07-31", blockUpdate: "2029-08-31" },
  { id: "python3.13", deprecated: "2029-06-30", blockCreate: "2029-07-31", blockUpdate: "2029-08-31" },
  { id: "python3.12", deprecated: "2028-10-31", blockCreate: "2028-11-30", blockUpdate: "2029-01-10" },
  { id: "python3.11", deprecated: "2027-06-30", blockCreate: "2027-07-31", blockUpdate: "2027-08-31" },
];

export const NEWEST_RUNTIME = PYTHON_RUNTIMES[0]!.id;

export type RuntimeStatus =
  | { kind: "supported"; runtime: PythonRuntime }
  | { kind: "deprecated"; runtime: PythonRuntime }
  | { kind: "blocked"; runtime: PythonRuntime }
  | { kind: "unknown" };

/** Where `id` stands on `now` (a date past its day counts from that day, UTC). */
export function runtimeStatus(id: string, now: Date): RuntimeStatus {
  const runtime = PYTHON_RUNTIMES.find((row) => row.id === id);
  if (!runtime) return { kind: "unknown" };
  const today = now.toISOString().slice(0, 10);
  if (today >= runtime.blockCreate) return { kind: "blocked", runtime };
  if (today >= runtime.deprecated) return { kind: "deprecated", runtime };
  return { kind: "supported", runtime };
}

/** The runtimes Lambda still creates functions with on `now`, newest first. */
export function creatableRuntimes(now: Date): string[] {
  return PYTHON_RUNTIMES.filter((row) => runtimeStatus(row.id, now).kind !== "blocked").map((row) => row.id);
}

/** A warning for a runtime past its deprecation date that Lambda still accepts; undefined otherwise. */
export function runtimeWarning(id: string, now: Date): string | undefined {
  const status = runtimeStatus(id, now);
  if (status.kind !== "deprecated") return undefined;
  const { deprecated, blockCreate, blockUpdate } = status.runtime;
  return (
    `--runtime ${id}: AWS Lambda deprecated it on ${deprecated} (no more security patches); it refuses new functions ` +
    `with it from ${blockCreate} and updates from ${blockUpdate}. Use --runtime ${NEWEST_RUNTIME}.`
  );
}

/**
 * The runtime of the Lambda@Edge function (templates/shared.yaml): one of the
 * rows above that Lambda@Edge also supports, whose list lags Lambda's
 * ("Lambda@Edge function restrictions", Supported runtimes:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html,
 * which did not list python3.14 when checked).
 */
export const EDGE_RUNTIME = "python3.13";
