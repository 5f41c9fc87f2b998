// The --domain step of a deploy, against fakes: zone lookup, the us-east-1
// certificate stack, and its removal once --domain is dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateStackCommand, type CreateStackCommandInput } from "@aws-sdk/client-cloudformation";
import { ListHostedZonesCommand, Route53Client } from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";
import { deployCertificate, removeUnusedCertificate } from "../../src/deploy/deploy-certificate.ts";
import type { StackContext } from "../../src/deploy/deploy-stack.ts";
import { NO_DOMAIN } from "../../src/plan/app-parameters.ts";
import { FakeCloudFormation } from "../_helpers/fake-cloudformation.ts";
import { samplePlan } from "../_helpers/plan.ts";

const ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555";

function world() {
  const certificates = new FakeCloudFormation();
  certificates.outputsFor = () => ({ CertificateArn: ARN, DomainName: "data.example.com" });
  const route53 = new Route53Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const zones = mockClient(route53);
  zones.on(ListHostedZonesCommand).resolves({
    HostedZones: [
      { Id: "/hostedzone/ZPRIVATE", Name: "data.example.com.", CallerReference: "a", Config: { PrivateZone: true } },
      { Id: "/hostedzone/ZEXAMPLE", Name: "example.com.", CallerReference: "b", Config: { PrivateZone: false } },
    ],
    IsTruncated: false,
    MaxItems: 100,
  });
  const info: string[] = [];
  const context: StackContext = { info: (line) => info.push(line), wait: { sleep: async () => {} }, siteName: "site", region: "eu-west-1" };
  return { clients: { route53, usEast1Cloudformation: certificates.client }, certificates, zones, context, info };
}

test("without --domain: no Route 53 call, no certificate stack, empty parameters", async () => {
  const w = world();
  const result = await deployCertificate(w.clients, samplePlan(), w.context);
  assert.deepEqual(result, { parameters: NO_DOMAIN, deployment: undefined });
  assert.equal(w.zones.calls().length, 0);
  assert.equal(w.certificates.all.length, 0);
});

test("--domain: the public zone that owns it, a certificate stack with the bare zone id, its ARN for the app stack", async () => {
  const w = world();
  const result = await deployCertificate(w.clients, samplePlan({ domain: "data.example.com" }), w.context);
  assert.deepEqual(result.parameters, { HostedZoneId: "ZEXAMPLE", CertificateArn: ARN });
  assert.equal(result.deployment?.type, "created");
  const [created] = w.certificates.inputs<CreateStackCommandInput>(CreateStackCommand);
  assert.equal(created?.StackName, "mysite-certificate");
  assert.deepEqual(created?.Parameters, [
    { ParameterKey: "DomainName", ParameterValue: "data.example.com" },
    { ParameterKey: "HostedZoneId", ParameterValue: "ZEXAMPLE" },
  ]);
  assert.match(created?.TemplateBody ?? "", /AWS::CertificateManager::Certificate/);
  assert.ok(
    w.info.some((line) => /hosted zone example\.com \(ZEXAMPLE\); certificate in us-east-1/.test(line)),
    w.info.join("\n"),
  );

  // A second deploy finds it up to date: no new stack.
  const again = await deployCertificate(w.clients, samplePlan({ domain: "data.example.com" }), w.context);
  assert.equal(again.deployment?.type, "no-op");
  assert.equal(w.certificates.inputs(CreateStackCommand).length, 1);
});

test("dropping --domain deletes the certificate stack after the app update; keeping it or never having one deletes nothing", async () => {
  const w = world();
  assert.equal(await removeUnusedCertificate(w.clients, samplePlan(), w.context), false, "no stack, nothing to do");
  await deployCertificate(w.clients, samplePlan({ domain: "data.example.com" }), w.context);
  assert.equal(await removeUnusedCertificate(w.clients, samplePlan({ domain: "data.example.com" }), w.context), false);
  assert.ok(w.certificates.stack("mysite-certificate"));
  assert.equal(await removeUnusedCertificate(w.clients, samplePlan(), w.context), true);
  assert.equal(w.certificates.stack("mysite-certificate"), undefined);
});
