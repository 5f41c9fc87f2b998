// --domain's checks before any stack changes, against a mocked Route 53 and an injected
// resolver: the zone (longest public match), no record the site did not write at the
// name, and a warning when public DNS delegates the zone elsewhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GetHostedZoneCommand, ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";
import { checkDomain, distributionDomain } from "../../src/deploy/domain-preflight.ts";
import { UserError } from "../../src/errors.ts";

const NS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"];

function world(
  records: { Name: string; Type: string; AliasTarget?: { DNSName: string; HostedZoneId: string; EvaluateTargetHealth: boolean } }[] = [],
) {
  const route53 = new Route53Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const mock = mockClient(route53);
  mock.on(ListHostedZonesCommand).resolves({
    HostedZones: [{ Id: "/hostedzone/ZEXAMPLE", Name: "example.com.", CallerReference: "a", Config: { PrivateZone: false } }],
    IsTruncated: false,
    MaxItems: 100,
  });
  mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: records as never, IsTruncated: false, MaxItems: 10 });
  mock.on(GetHostedZoneCommand).resolves({
    HostedZone: { Id: "/hostedzone/ZEXAMPLE", Name: "example.com.", CallerReference: "a" },
    DelegationSet: { NameServers: NS },
  });
  const lines = { info: [] as string[], warn: [] as string[], debug: [] as string[] };
  const out = {
    info: (m: string) => lines.info.push(m),
    warn: (m: string) => lines.warn.push(m),
    debug: (m: string) => lines.debug.push(m),
  };
  return { route53, mock, lines, out };
}

const delegated = async () => NS;

test("without --domain: nothing is looked up", async () => {
  const w = world();
  assert.equal(await checkDomain({ route53: w.route53 }, { domain: null }, undefined, delegated, w.out), undefined);
  assert.equal(w.mock.calls().length, 0);
});

test("a clean name in a delegated zone: the zone, one info line, no warning; the records asked for from the name on", async () => {
  const w = world();
  const zone = await checkDomain({ route53: w.route53 }, { domain: "data.example.com" }, undefined, delegated, w.out);
  assert.deepEqual(zone, { id: "ZEXAMPLE", name: "example.com", private: false });
  assert.deepEqual(w.lines.warn, []);
  const [call] = w.mock.commandCalls(ListResourceRecordSetsCommand);
  assert.deepEqual(call?.args[0].input, { HostedZoneId: "ZEXAMPLE", StartRecordName: "data.example.com.", MaxItems: 10 });
});

test("an A record someone else made at the name: refused before any stack, naming it", async () => {
  const w = world([
    {
      Name: "data.example.com.",
      Type: "A",
      AliasTarget: { DNSName: "d2other.cloudfront.net.", HostedZoneId: "Z2FDTNDATAQYW2", EvaluateTargetHealth: false },
    },
  ]);
  await assert.rejects(
    checkDomain({ route53: w.route53 }, { domain: "data.example.com" }, "d1mine.cloudfront.net", delegated, w.out),
    (error: unknown) => error instanceof UserError && /already has an A record \(alias to d2other\.cloudfront\.net\)/.test(error.message),
  );
  // The site's own record (a redeploy): fine.
  const own = world([
    {
      Name: "data.example.com.",
      Type: "A",
      AliasTarget: { DNSName: "d1mine.cloudfront.net.", HostedZoneId: "Z2FDTNDATAQYW2", EvaluateTargetHealth: false },
    },
  ]);
  await checkDomain({ route53: own.route53 }, { domain: "data.example.com" }, "d1mine.cloudfront.net", delegated, own.out);
});

test("public DNS delegates the zone elsewhere: a warning, the deploy goes on; no answer: a debug line only", async () => {
  const w = world();
  await checkDomain({ route53: w.route53 }, { domain: "data.example.com" }, undefined, async () => ["ns1.registrar.example"], w.out);
  assert.match(w.lines.warn[0] ?? "", /The hosted zone ZEXAMPLE \(example\.com\) is not the one the internet uses/);
  const offline = world();
  const refused = Object.assign(new Error("ECONNREFUSED"), { code: "ECONNREFUSED" });
  await checkDomain({ route53: offline.route53 }, { domain: "data.example.com" }, undefined, () => Promise.reject(refused), offline.out);
  assert.deepEqual(offline.lines.warn, []);
  assert.match(offline.lines.debug.join("\n"), /not checked \(ECONNREFUSED\)/);
});

test("the site's distribution domain from its app stack's output", () => {
  assert.equal(distributionDomain({ DistributionUrl: "https://d111111abcdef8.cloudfront.net/" }), "d111111abcdef8.cloudfront.net");
  assert.equal(distributionDomain({}), undefined);
});
