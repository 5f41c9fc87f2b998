// --domain: which Route 53 hosted zone owns the name. The longest zone name
// that equals the domain or one of its parents wins (data.example.com is in
// example.com unless a zone data.example.com exists). Private zones are left
// out: ACM validates and visitors resolve through public DNS.
import { GetHostedZoneCommand, ListResourceRecordSetsCommand, paginateListHostedZones, type Route53Client } from "@aws-sdk/client-route-53";
import { UserError } from "../errors.ts";
import type { RecordAtName } from "../plan/domain-records.ts";
import { toAwsError } from "./aws-error.ts";

export interface HostedZone {
  /** Bare id (Z...), as CloudFormation wants it; ListHostedZones says "/hostedzone/Z...". */
  id: string;
  /** Without the trailing dot, lower case. */
  name: string;
  private: boolean;
}

/** The names a zone owning `domain` can have, longest first: data.example.com, example.com, com. */
export function candidateZoneNames(domain: string): string[] {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

/** Pure: the public zone that owns `domain`, or an error naming what was searched. */
export function owningZone(domain: string, zones: HostedZone[]): HostedZone {
  const candidates = candidateZoneNames(domain);
  for (const name of candidates) {
    const matches = zones.filter((zone) => !zone.private && zone.name === name);
    if (matches.length > 1) {
      throw new UserError(
        `--domain ${domain}: ${matches.length} public hosted zones are named ${name} (${matches.map((z) => z.id).join(", ")})`,
        {
          hint: "Delete the zone you do not use (only one can be delegated to by the registrar), then deploy again.",
        },
      );
    }
    if (matches[0]) return matches[0];
  }
  throw new UserError(`--domain ${domain}: no public Route 53 hosted zone in this account owns it (searched ${candidates.join(", ")})`, {
    hint: `Create a hosted zone for the domain (or a parent) in Route 53 and delegate to it from your registrar, or check --profile.`,
  });
}

export function toHostedZone(zone: { Id?: string; Name?: string; Config?: { PrivateZone?: boolean } }): HostedZone {
  return {
    id: (zone.Id ?? "").replace(/^\/hostedzone\//, ""),
    name: (zone.Name ?? "").toLowerCase().replace(/\.$/, ""),
    private: zone.Config?.PrivateZone === true,
  };
}

export async function listHostedZones(route53: Route53Client): Promise<HostedZone[]> {
  const zones: HostedZone[] = [];
  try {
    for await (const page of paginateListHostedZones({ client: route53 }, {})) {
      for (const zone of page.HostedZones ?? []) zones.push(toHostedZone(zone));
    }
  } catch (error) {
    throw toAwsError(error, "Listing Route 53 hosted zones", "Route 53");
  }
  return zones;
}

export async function findHostedZone(route53: Route53Client, domain: string): Promise<HostedZone> {
  return owningZone(domain, await listHostedZones(route53));
}

/**
 * The record sets at `domain` in the zone (and a few after it: record sets come
 * sorted by name, from the first at or after StartRecordName).
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html
 */
export async function recordsAt(route53: Route53Client, zoneId: string, domain: string): Promise<RecordAtName[]> {
  try {
    const { ResourceRecordSets } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: `${domain}.`, MaxItems: 10 }),
    );
    return (ResourceRecordSets ?? []).map((set) => ({
      name: set.Name ?? "",
      type: set.Type ?? "",
      ...(set.AliasTarget ? { aliasTarget: set.AliasTarget.DNSName ?? "", aliasZoneId: set.AliasTarget.HostedZoneId ?? "" } : {}),
      ...(set.ResourceRecords ? { values: set.ResourceRecords.map((r) => r.Value ?? "") } : {}),
    }));
  } catch (error) {
    throw toAwsError(error, `Listing the records of ${domain} in hosted zone ${zoneId}`, zoneId);
  }
}

/** The name servers Route 53 gave the zone (its delegation set). */
export async function zoneNameServers(route53: Route53Client, zoneId: string): Promise<string[]> {
  try {
    const { DelegationSet } = await route53.send(new GetHostedZoneCommand({ Id: zoneId }));
    return DelegationSet?.NameServers ?? [];
  } catch (error) {
    throw toAwsError(error, `Reading hosted zone ${zoneId}`, zoneId);
  }
}
