// --domain: is the hosted zone the one the internet asks? ACM validates the
// certificate, and visitors find the site, through public DNS; a zone the
// registrar does not delegate to (a second zone of the same name, or a domain
// never delegated) leaves the certificate waiting for validation. Pure: the
// name servers are looked up by the caller.

export type PublicNameServers = { type: "found"; servers: string[] } | { type: "none" } | { type: "unknown"; reason: string };

function normal(server: string): string {
  return server.toLowerCase().replace(/\.$/, "");
}

/** A warning when the public delegation does not name the zone's servers; undefined when it does or cannot be told. */
export function delegationWarning(
  zoneName: string,
  zoneId: string,
  zoneServers: string[],
  published: PublicNameServers,
): string | undefined {
  if (published.type === "unknown" || zoneServers.length === 0) return undefined;
  const ours = new Set(zoneServers.map(normal));
  if (published.type === "found" && published.servers.some((server) => ours.has(normal(server)))) return undefined;
  const seen =
    published.type === "found"
      ? `public DNS names ${published.servers.map(normal).sort().join(", ")}`
      : "public DNS has no name servers for it";
  return (
    `The hosted zone ${zoneId} (${zoneName}) is not the one the internet uses: ${seen}. ` +
    `The certificate's validation, and visitors, will wait until the registrar delegates ${zoneName} to ${[...ours].sort().join(", ")}.`
  );
}
