// The name servers public DNS gives for a zone, for the delegation check of
// --domain (src/plan/delegation.ts). A machine without network, or a resolver
// that does not answer, gives "unknown": the check is skipped, not failed.
import { Resolver } from "node:dns/promises";
import type { PublicNameServers } from "../plan/delegation.ts";

/** Looks NS records up; tests pass their own. */
export type ResolveNs = (name: string) => Promise<string[]>;

/** The system's resolver, one try of 3 s: a deploy must not hang on DNS. */
export function systemResolveNs(): ResolveNs {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  return (name) => resolver.resolveNs(name);
}

// Node's DNS error codes: the name has no NS records, or does not exist.
const NOT_DELEGATED = new Set(["ENODATA", "ENOTFOUND"]);

export async function publicNameServers(zoneName: string, resolveNs: ResolveNs): Promise<PublicNameServers> {
  try {
    return { type: "found", servers: await resolveNs(zoneName) };
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (NOT_DELEGATED.has(code)) return { type: "none" };
    return { type: "unknown", reason: code || String(error) };
  }
}
