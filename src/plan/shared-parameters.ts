// The shared stack's parameters (templates/shared.yaml), decided here.
import { EDGE_RUNTIME } from "./runtimes.ts";

/** Pure: the edge function's runtime, from the runtime table (never a literal in the template). */
export function sharedStackParameters(): Record<string, string> {
  return { EdgeRuntime: EDGE_RUNTIME };
}
