// The prerequisite stack's parameters (templates/prereq.yaml), decided from the plan.
import type { DeployPlan } from "./types.ts";

/** Pure: the same plan gives the same parameters, so an unchanged bucket asks for no update. */
export function prereqStackParameters(plan: Pick<DeployPlan, "cors">): Record<string, string> {
  // --cors: the bucket answers browsers' cross-origin reads of the download redirect.
  return { Cors: plan.cors ? "true" : "false" };
}
