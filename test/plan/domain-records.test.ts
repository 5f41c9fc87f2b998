// Records already at --domain's name, before any stack changes. The app stack writes A and
// AAAA aliases to the distribution (alias zone Z2FDTNDATAQYW2, CloudFront's); an A, AAAA or
// CNAME it did not write would make CloudFormation fail half-way, and a CNAME excludes every
// other record at its name. Route 53 returns names with a trailing dot, "*" as \052:
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-alias.html
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { checkNoForeignRecords, foreignRecords, normalRecordName, type RecordAtName } from "../../src/plan/domain-records.ts";

const DOMAIN = "data.example.com";
const OURS = "d111111abcdef8.cloudfront.net";
const alias = (type: string, target: string, name = "data.example.com."): RecordAtName => ({
  name,
  type,
  aliasTarget: `${target}.`,
  aliasZoneId: "Z2FDTNDATAQYW2",
});

test("nothing at the name, or only the site's own aliases, other types and other names: no conflict", () => {
  assert.deepEqual(foreignRecords(DOMAIN, [], OURS), []);
  assert.deepEqual(foreignRecords(DOMAIN, [alias("A", OURS), alias("AAAA", OURS)], OURS), []);
  const others: RecordAtName[] = [
    { name: "data.example.com.", type: "TXT", values: ['"v=spf1 -all"'] },
    { name: "data.example.com.", type: "MX", values: ["10 mail.example.com."] },
    { name: "_abc.data.example.com.", type: "CNAME", values: ["_xyz.acm-validations.aws."] },
    { name: "db.example.com.", type: "A", values: ["192.0.2.1"] },
  ];
  assert.deepEqual(foreignRecords(DOMAIN, others, OURS), []);
});

test("someone else's A, a CNAME, or an alias to another distribution conflict; on a first deploy every alias does", () => {
  const plain: RecordAtName = { name: "Data.Example.com.", type: "A", values: ["192.0.2.10"] };
  const cname: RecordAtName = { name: "data.example.com.", type: "CNAME", values: ["elsewhere.example.net."] };
  const another = alias("AAAA", "d999999otherdist.cloudfront.net");
  assert.deepEqual(foreignRecords(DOMAIN, [plain, cname, another, alias("A", OURS)], OURS), [plain, cname, another]);
  assert.deepEqual(foreignRecords(DOMAIN, [alias("A", OURS)], undefined), [alias("A", OURS)]);
  // An alias to our distribution's name but another zone's target is not ours.
  assert.equal(foreignRecords(DOMAIN, [{ ...alias("A", OURS), aliasZoneId: "Z0ELB" }], OURS).length, 1);
});

test("a wildcard record is at its own name, not at the domain", () => {
  assert.equal(normalRecordName("\\052.example.com."), "*.example.com");
  assert.deepEqual(foreignRecords(DOMAIN, [{ name: "\\052.example.com.", type: "A", values: ["192.0.2.1"] }], OURS), []);
  assert.deepEqual(foreignRecords("*.example.com", [{ name: "\\052.example.com.", type: "A", values: ["192.0.2.1"] }], OURS).length, 1);
});

test("the error names the record, the zone and the two ways out", () => {
  assert.throws(
    () => checkNoForeignRecords(DOMAIN, "example.com", [alias("A", "d2abc.cloudfront.net")], OURS),
    (error: unknown) =>
      error instanceof UserError &&
      error.message ===
        "--domain data.example.com: the hosted zone example.com already has an A record (alias to d2abc.cloudfront.net) " +
          "at that name, which this site did not create" &&
      /Delete it in Route 53 if nothing uses it, or choose another --domain/.test(error.hint ?? ""),
  );
  assert.doesNotThrow(() => checkNoForeignRecords(DOMAIN, "example.com", [alias("A", OURS)], OURS));
});
