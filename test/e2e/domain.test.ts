// End to end: --domain against a local moto server. moto models Route 53
// (zones and record sets, the alias records included) and CloudFormation in
// several regions; the ACM certificate is a stand-in that records what the
// template asked for (test/e2e/moto/server.py). What this proves: the zone
// lookup (longest match, private zones skipped, one-line error naming the
// names searched), the certificate stack in us-east-1 while the site lives in
// another region, its ARN and zone reaching the app stack, the A/AAAA records,
// re-deploys reusing the certificate, delete-stack removing it all. What it
// cannot: ACM's DNS validation, its lag in letting go of a certificate (moto's
// ACM does not know the stand-in certificates, so each counts as gone;
// test/deploy/deploy-certificate.test.ts models the lag), or CloudFront serving
// the name (template tests and cfn-lint cover the template side); and after
// dropping --domain moto updates the records whose Condition turned false
// instead of deleting them, so only the certificate stacks are checked there.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { findHostedZone } from "../../src/aws/hosted-zones.ts";
import { certificateStackName } from "../../src/plan/stack-names.ts";
import { UserError } from "../../src/errors.ts";
import { cliEnv, runCli, HOST_BUILD } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { motoEnv, standIns, startMoto } from "../_helpers/moto.ts";

const moto = await startMoto();
after(() => moto.stop());

const SITE_REGION = "eu-west-1";
const env = motoEnv(moto.endpoint, cliEnv());
const route53 = new Route53Client(moto.clientConfig);
const siteCloudformation = new CloudFormationClient({ ...moto.clientConfig, region: SITE_REGION });
const usEast1Cloudformation = new CloudFormationClient({ ...moto.clientConfig, region: "us-east-1" });
const dir = tempDir();

const zones: Record<string, string> = {};

async function createZone(name: string, privateZone = false): Promise<string> {
  const { HostedZone } = await route53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `${name}-${privateZone}-${Date.now()}`,
      ...(privateZone ? { HostedZoneConfig: { PrivateZone: true }, VPC: { VPCId: "vpc-12345678", VPCRegion: SITE_REGION } } : {}),
    }),
  );
  return HostedZone!.Id!.replace("/hostedzone/", "");
}

async function findStack(client: CloudFormationClient, name: string) {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: name }));
    const stack = Stacks?.[0];
    return stack && stack.StackStatus !== "DELETE_COMPLETE" ? stack : undefined;
  } catch {
    return undefined;
  }
}

async function aliasRecords(zoneId: string, name: string) {
  const { ResourceRecordSets } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (ResourceRecordSets ?? []).filter((r) => r.Name?.replace(/\.$/, "") === name && (r.Type === "A" || r.Type === "AAAA"));
}

before(async () => {
  zones["example.com"] = await createZone("example.com");
  zones["data.example.com"] = await createZone("data.example.com");
  zones["internal.example.org"] = await createZone("internal.example.org", true);
  zones["site.example.net"] = await createZone("site.example.net");
});

describe("hosted zone lookup (moto Route 53)", () => {
  it("finds the zone of the name itself, or of its longest parent", async () => {
    assert.deepEqual(await findHostedZone(route53, "example.com"), { id: zones["example.com"], name: "example.com", private: false });
    assert.equal((await findHostedZone(route53, "www.example.com")).id, zones["example.com"]);
    // Nested: data.example.com has a zone of its own, which wins over example.com.
    assert.equal((await findHostedZone(route53, "api.data.example.com")).id, zones["data.example.com"]);
    assert.equal((await findHostedZone(route53, "DATA.example.com.")).id, zones["data.example.com"]);
  });

  it("fails naming every name searched when no public zone owns the domain (private zones do not count)", async () => {
    await assert.rejects(findHostedZone(route53, "db.internal.example.org"), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        /no public Route 53 hosted zone .* owns it \(searched db\.internal\.example\.org, internal\.example\.org, example\.org, org\)/,
      );
      return true;
    });
  });
});

describe("update-stack --domain, site in eu-west-1 (moto)", () => {
  const site = "Dom-Site";
  const domain = "data.site.example.net";
  const db = makeDatabase(`${dir}/domain.db`, { items: 2 });
  const deploy = (flags: string[] = []) =>
    runCli(["update-stack", site, db, "--domain", domain, "--region", SITE_REGION, "--json", ...HOST_BUILD, ...flags], { env });

  it("creates the certificate stack in us-east-1 and serves the domain from the distribution", async () => {
    const result = await deploy();
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { url: string; changed: boolean };
    assert.equal(json.url, `https://${domain}/`);

    // The certificate lives in us-east-1, not in the site's region.
    const certificateStack = await findStack(usEast1Cloudformation, certificateStackName(site, domain));
    assert.equal(certificateStack?.StackStatus, "CREATE_COMPLETE");
    assert.equal(await findStack(siteCloudformation, certificateStackName(site, domain)), undefined);
    const certificateArn = certificateStack?.Outputs?.find((o) => o.OutputKey === "CertificateArn")?.OutputValue ?? "";
    assert.match(certificateArn, /^arn:aws:acm:us-east-1:\d{12}:certificate\//);
    const [certificate] = (await standIns(moto, certificateStack!.StackId)).filter(
      (r) => r.type === "AWS::CertificateManager::Certificate",
    );
    assert.deepEqual(certificate?.properties, {
      DomainName: domain,
      ValidationMethod: "DNS",
      DomainValidationOptions: [{ DomainName: domain, HostedZoneId: zones["site.example.net"] }],
    });

    // The app stack, in eu-west-1, got the certificate and the zone.
    const app = await findStack(siteCloudformation, `${site}-lambda`);
    const parameters = Object.fromEntries((app?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
    assert.equal(parameters.DomainName, domain);
    assert.equal(parameters.HostedZoneId, zones["site.example.net"]);
    assert.equal(parameters.CertificateArn, certificateArn);
    const [distribution] = (await standIns(moto, app!.StackId)).filter((r) => r.type === "AWS::CloudFront::Distribution");
    const config = distribution!.properties.DistributionConfig as Record<string, unknown>;
    assert.deepEqual(config.Aliases, [domain]);
    assert.deepEqual(config.ViewerCertificate, {
      AcmCertificateArn: certificateArn,
      SslSupportMethod: "sni-only",
      MinimumProtocolVersion: "TLSv1.2_2021",
    });

    // A and AAAA aliases to the distribution, in the zone that owns the name.
    const records = await aliasRecords(zones["site.example.net"]!, domain);
    assert.deepEqual(records.map((r) => r.Type).sort(), ["A", "AAAA"]);
    const distributionDomain = distribution!.attributes.DomainName;
    for (const record of records) assert.equal(record.AliasTarget?.DNSName?.replace(/\.$/, ""), distributionDomain);
  });

  it("re-deploys reuse the certificate: nothing changes", async () => {
    const before = await findStack(usEast1Cloudformation, certificateStackName(site, domain));
    const result = await deploy();
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { changed: boolean }).changed, false);
    const afterwards = await findStack(usEast1Cloudformation, certificateStackName(site, domain));
    assert.equal(afterwards?.StackId, before?.StackId);
    assert.equal(afterwards?.StackStatus, "CREATE_COMPLETE");
  });

  it("a new domain gets its own certificate before the old one goes: one certificate stack after the change", async () => {
    const next = "www.site.example.net";
    const result = await runCli(["update-stack", site, db, "--domain", next, "--region", SITE_REGION, "--json", ...HOST_BUILD], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { url: string }).url, `https://${next}/`);
    assert.equal(await findStack(usEast1Cloudformation, certificateStackName(site, domain)), undefined, "the old certificate is retired");
    assert.equal((await findStack(usEast1Cloudformation, certificateStackName(site, next)))?.StackStatus, "CREATE_COMPLETE");
    assert.deepEqual((await aliasRecords(zones["site.example.net"]!, next)).map((r) => r.Type).sort(), ["A", "AAAA"]);
    // Back to the first domain, for the tests below.
    const back = await runCli(["update-stack", site, db, "--domain", domain, "--region", SITE_REGION, "--json", ...HOST_BUILD], { env });
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await findStack(usEast1Cloudformation, certificateStackName(site, next)), undefined);
  });

  it("delete-stack removes the certificate stack and the records with the rest", async () => {
    const result = await runCli(["delete-stack", site, "--region", SITE_REGION, "--yes", "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { deleted: string[] };
    assert.ok(json.deleted.includes(certificateStackName(site, domain)), result.stdout);
    assert.equal(await findStack(usEast1Cloudformation, certificateStackName(site, domain)), undefined);
    assert.equal(await findStack(siteCloudformation, `${site}-lambda`), undefined);
    assert.equal(await findStack(siteCloudformation, site), undefined);
    assert.deepEqual(await aliasRecords(zones["site.example.net"]!, domain), []);
  });

  it("a record the site did not make at the name fails with one line naming it, before any stack exists", async () => {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zones["site.example.net"]!,
        ChangeBatch: {
          Changes: [
            {
              Action: "CREATE",
              ResourceRecordSet: { Name: "taken.site.example.net", Type: "A", TTL: 300, ResourceRecords: [{ Value: "192.0.2.10" }] },
            },
          ],
        },
      }),
    );
    const result = await runCli(
      ["update-stack", "Dom-Taken", db, "--domain", "taken.site.example.net", "--region", SITE_REGION, ...HOST_BUILD],
      {
        env,
      },
    );
    assert.equal(result.code, 1);
    const errors = result.stderr.split("\n").filter((line) => line.startsWith("Error:"));
    assert.deepEqual(errors, [
      "Error: --domain taken.site.example.net: the hosted zone site.example.net already has an A record (192.0.2.10) at that name, " +
        "which this site did not create",
    ]);
    for (const name of ["Dom-Taken", "Dom-Taken-lambda"]) assert.equal(await findStack(siteCloudformation, name), undefined, name);
    assert.equal(await findStack(usEast1Cloudformation, certificateStackName("Dom-Taken", "taken.site.example.net")), undefined);
  });

  it("dropping --domain retires the certificate once the distribution no longer uses it", async () => {
    const other = "Dom-Drop";
    const name = "drop.site.example.net";
    const first = await runCli(["update-stack", other, db, "--domain", name, "--region", SITE_REGION, "--json", ...HOST_BUILD], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(await findStack(usEast1Cloudformation, certificateStackName(other, name)));
    const dropped = await runCli(["update-stack", other, db, "--region", SITE_REGION, "--json", ...HOST_BUILD], { env });
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(await findStack(usEast1Cloudformation, certificateStackName(other, name)), undefined);
    assert.equal((await runCli(["delete-stack", other, "--region", SITE_REGION, "--yes"], { env })).code, 0);
  });

  it("a domain no zone owns fails with one line before any stack exists", async () => {
    const result = await runCli(["update-stack", "Dom-None", db, "--domain", "data.nowhere.test", "--region", SITE_REGION, ...HOST_BUILD], {
      env,
    });
    assert.equal(result.code, 1);
    const errors = result.stderr.split("\n").filter((line) => line.startsWith("Error:"));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(
      errors[0]!,
      /--domain data\.nowhere\.test: no public Route 53 hosted zone .*searched data\.nowhere\.test, nowhere\.test, test/,
    );
    for (const name of ["Dom-None", "Dom-None-lambda"]) assert.equal(await findStack(siteCloudformation, name), undefined, name);
    assert.equal(await findStack(usEast1Cloudformation, certificateStackName("Dom-None", "data.nowhere.test")), undefined);
  });
});
