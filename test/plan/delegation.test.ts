// A hosted zone ACM and visitors will not see: public DNS delegates the zone's name to
// other name servers, or to none. Route 53 gives the zone's own in GetHostedZone's
// DelegationSet (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html).
import assert from "node:assert/strict";
import { Resolver } from "node:dns/promises";
import { test } from "node:test";
import { publicNameServers } from "../../src/aws/public-dns.ts";
import { delegationWarning } from "../../src/plan/delegation.ts";

const ZONE_NS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"];

test("delegated to the zone: no warning (case and trailing dots aside)", () => {
  assert.equal(
    delegationWarning("example.com", "ZEX", ZONE_NS, { type: "found", servers: ["NS-3.AWSDNS-03.COM.", "ns-1.awsdns-01.org"] }),
    undefined,
  );
});

test("delegated elsewhere, or nowhere: a warning naming both sets", () => {
  const elsewhere = delegationWarning("example.com", "ZEX", ZONE_NS, { type: "found", servers: ["ns1.other.net", "ns2.other.net"] });
  assert.match(
    elsewhere ?? "",
    /^The hosted zone ZEX \(example\.com\) is not the one the internet uses: public DNS names ns1\.other\.net, ns2\.other\.net\./,
  );
  assert.match(elsewhere ?? "", /until the registrar delegates example\.com to ns-1\.awsdns-01\.org, ns-2/);
  assert.match(delegationWarning("example.com", "ZEX", ZONE_NS, { type: "none" }) ?? "", /public DNS has no name servers for it/);
});

test("no answer (offline, a resolver that does not reply): no warning, nothing failed", async () => {
  assert.equal(delegationWarning("example.com", "ZEX", ZONE_NS, { type: "unknown", reason: "ECONNREFUSED" }), undefined);
  const offline = Object.assign(new Error("queryNs ECONNREFUSED example.com"), { code: "ECONNREFUSED" });
  assert.deepEqual(await publicNameServers("example.com", async () => Promise.reject(offline)), {
    type: "unknown",
    reason: "ECONNREFUSED",
  });
  const missing = Object.assign(new Error("queryNs ENODATA"), { code: "ENODATA" });
  assert.deepEqual(await publicNameServers("example.com", async () => Promise.reject(missing)), { type: "none" });
  assert.deepEqual(await publicNameServers("example.com", async () => ["a.example.net"]), { type: "found", servers: ["a.example.net"] });
});

test("a real resolver pointed at a port nothing answers on gives 'unknown', within its timeout", async () => {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers(["127.0.0.1:9"]);
  const result = await publicNameServers("example.com", (name) => resolver.resolveNs(name));
  assert.equal(result.type, "unknown");
});
