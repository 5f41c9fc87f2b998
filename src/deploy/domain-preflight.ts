// --domain, before any stack changes: the hosted zone that owns the name (one
// line naming what was searched when none does), no record at the name that
// the site did not write (CloudFormation would fail half-way through), and a
// warning when the zone is not the one public DNS delegates to (the
// certificate's validation would wait for ever).
import type { AwsClients } from "../aws/clients.ts";
import { findHostedZone, recordsAt, zoneNameServers, type HostedZone } from "../aws/hosted-zones.ts";
import { publicNameServers, type ResolveNs } from "../aws/public-dns.ts";
import { delegationWarning } from "../plan/delegation.ts";
import { checkNoForeignRecords } from "../plan/domain-records.ts";
import type { DeployPlan } from "../plan/types.ts";

export type DomainClients = Pick<AwsClients, "route53">;

export interface DomainOutput {
  info: (message: string) => void;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

/**
 * `ownDistribution`: the site's distribution's domain (d123.cloudfront.net),
 * from its app stack; undefined before the first deploy with CloudFront.
 * Undefined without --domain.
 */
export async function checkDomain(
  clients: DomainClients,
  plan: Pick<DeployPlan, "domain">,
  ownDistribution: string | undefined,
  resolveNs: ResolveNs,
  out: DomainOutput,
): Promise<HostedZone | undefined> {
  const { domain } = plan;
  if (!domain) return undefined;
  const zone = await findHostedZone(clients.route53, domain);
  out.info(`Domain ${domain}: hosted zone ${zone.name} (${zone.id}); certificate in us-east-1.`);
  checkNoForeignRecords(domain, zone.name, await recordsAt(clients.route53, zone.id, domain), ownDistribution);
  const published = await publicNameServers(zone.name, resolveNs);
  if (published.type === "unknown") out.debug(`Public name servers of ${zone.name} not checked (${published.reason}).`);
  const warning = delegationWarning(zone.name, zone.id, await zoneNameServers(clients.route53, zone.id), published);
  if (warning) out.warn(warning);
  return zone;
}

/** d123.cloudfront.net from an app stack's DistributionUrl output (https://d123.cloudfront.net/). */
export function distributionDomain(outputs: Record<string, string>): string | undefined {
  return outputs.DistributionUrl ? new URL(outputs.DistributionUrl).host : undefined;
}
