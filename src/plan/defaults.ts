// The defaults of options that have one, each defined here only: the help
// text shows them (src/cli.ts) and the checks apply them (src/plan/plan.ts),
// so a programmatic caller that leaves an option out gets the same value.
// Memory and timeout defaults sit with their ranges in limits.ts.
import type { Architecture } from "./types.ts";

export const DEFAULT_RUNTIME = "python3.13";
export const DEFAULT_ARCHITECTURE: Architecture = "arm64";
export const ARCHITECTURES: readonly Architecture[] = ["arm64", "x86_64"];
/** Where --dry-run writes when --out is not given. */
export const DEFAULT_OUT_DIR = "datasette-lambda-out";
/** tail-logs --since. */
export const DEFAULT_LOGS_SINCE = "10m";
