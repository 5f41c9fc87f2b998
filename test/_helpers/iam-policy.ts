// Just enough IAM policy evaluation for the permissions test: Allow statements,
// `*`/`?` wildcards in actions and resources, and the two condition operators
// the policy uses. ("Policy evaluation logic" and "IAM JSON policy elements:
// Condition operators", IAM User Guide.) No Deny, NotAction or NotResource.

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Policy {
  Version: string;
  Statement: Statement[];
}

/** What a request carries for conditions: each key's value(s). */
export type RequestContext = Record<string, string | string[]>;

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** IAM's wildcard match: `*` any run of characters, `?` one; actions ignore case, resources do not. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

function conditionsHold(condition: Statement["Condition"], context: RequestContext): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const given = context[key];
      if (operator === "StringEquals") {
        // A single-valued key absent from the request never matches.
        if (given === undefined || !list(given).every((v) => list(expected).includes(v))) return false;
      } else if (operator === "ForAllValues:StringEquals") {
        // Every value of the request's key must be listed (an absent key passes, as in IAM).
        if (given !== undefined && !list(given).every((v) => list(expected).includes(v))) return false;
      } else {
        throw new Error(`condition operator ${operator} is not modelled by this test helper`);
      }
    }
  }
  return true;
}

/** The statements that allow `action` on `resource` for a request with this context. */
export function allowingStatements(policy: Policy, action: string, resource: string, context: RequestContext = {}): Statement[] {
  return policy.Statement.filter(
    (s) =>
      s.Effect === "Allow" &&
      list(s.Action).some((a) => wildcardMatch(a, action, true)) &&
      list(s.Resource).some((r) => wildcardMatch(r, resource)) &&
      conditionsHold(s.Condition, context),
  );
}

export function actionsOf(policy: Policy): string[] {
  return policy.Statement.flatMap((s) => list(s.Action));
}
