// --domain, before any stack changes: the records already at the name. The
// app stack writes an A and an AAAA alias to the site's distribution there; a
// record it did not write (an A/AAAA/CNAME of something else) would make
// CloudFormation fail half-way through the deploy, so it is refused first.
// A CNAME at a name excludes every other record there. Pure.
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html
import { UserError } from "../errors.ts";

/** CloudFront's hosted zone id, the same for every distribution (an alias target's HostedZoneId). */
export const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

export interface RecordAtName {
  name: string;
  type: string;
  /** An alias target's DNS name, when the record is an alias. */
  aliasTarget?: string;
  aliasZoneId?: string;
  values?: string[];
}

const CONFLICTING = new Set(["A", "AAAA", "CNAME"]);

/** Route 53's spelling of a name: lower case, the trailing dot, "*" escaped as \052. */
export function normalRecordName(name: string): string {
  return name.replace(/\\052/g, "*").replace(/\.$/, "").toLowerCase();
}

/**
 * The records at `domain` the site did not write. `ownDistribution` is the
 * site's distribution's domain (d123.cloudfront.net), or undefined on a first
 * deploy: then every A/AAAA/CNAME there is someone else's.
 */
export function foreignRecords(domain: string, records: RecordAtName[], ownDistribution: string | undefined): RecordAtName[] {
  const own = ownDistribution?.toLowerCase().replace(/\.$/, "");
  return records.filter((record) => {
    if (normalRecordName(record.name) !== domain || !CONFLICTING.has(record.type)) return false;
    const target = record.aliasTarget?.toLowerCase().replace(/\.$/, "");
    const ours = record.type !== "CNAME" && record.aliasZoneId === CLOUDFRONT_ZONE_ID && target !== undefined && target === own;
    return !ours;
  });
}

function describeRecord(record: RecordAtName): string {
  const article = record.type === "A" ? "an" : "a";
  if (record.aliasTarget) return `${article} ${record.type} record (alias to ${record.aliasTarget.replace(/\.$/, "")})`;
  return `${article} ${record.type} record (${(record.values ?? []).join(", ") || "no value"})`;
}

export function checkNoForeignRecords(
  domain: string,
  zoneName: string,
  records: RecordAtName[],
  ownDistribution: string | undefined,
): void {
  const [first, ...more] = foreignRecords(domain, records, ownDistribution);
  if (!first) return;
  const also = more.length > 0 ? ` and ${more.map(describeRecord).join(", ")}` : "";
  const them = more.length > 0 ? "them" : "it";
  throw new UserError(
    `--domain ${domain}: the hosted zone ${zoneName} already has ${describeRecord(first)}${also} at that name, ` +
      "which this site did not create",
    { hint: `Delete ${them} in Route 53 if nothing uses ${them}, or choose another --domain.` },
  );
}
