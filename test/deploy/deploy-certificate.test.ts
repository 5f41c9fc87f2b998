// The --domain steps of a deploy, against fakes: the certificate stack of the
// domain (one per domain), reused by redeploys; a site's legacy NAME-certificate
// reused while it is for the same domain; and old certificates retired once ACM
// lets go of them (ACM's InUseBy lags behind CloudFront, and ACM refuses to delete
// a certificate in use: ResourceInUseException;
// https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateStackCommand, DeleteStackCommand, type CreateStackCommandInput } from "@aws-sdk/client-cloudformation";
import { deployCertificate } from "../../src/deploy/deploy-certificate.ts";
import type { StackContext } from "../../src/deploy/deploy-stack.ts";
import { leftCertificateWarning, retireCertificates } from "../../src/deploy/retire-certificates.ts";
import { NO_DOMAIN } from "../../src/plan/app-parameters.ts";
import { certificateStackName } from "../../src/plan/stack-names.ts";
import { FakeAcm } from "../_helpers/fake-acm.ts";
import { FakeCloudFormation, resource } from "../_helpers/fake-cloudformation.ts";
import { samplePlan } from "../_helpers/plan.ts";

const ZONE = { id: "ZEXAMPLE", name: "example.com", private: false };
const DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE1234";
const arnOf = (stack: string) => `arn:aws:acm:us-east-1:123456789012:certificate/${stack}`;

function world() {
  const certificates = new FakeCloudFormation();
  certificates.outputsFor = (stack) => ({ CertificateArn: arnOf(stack.name), DomainName: stack.parameters.DomainName ?? "" });
  const acm = new FakeAcm();
  const sleeps: number[] = [];
  const info: string[] = [];
  const warnings: string[] = [];
  const context: StackContext = {
    info: (line) => info.push(line),
    wait: { sleep: async () => {} },
    siteName: "mysite",
    region: "eu-west-1",
  };
  const out = { info: (line: string) => info.push(line), warn: (line: string) => warnings.push(line) };
  const clients = { usEast1Cloudformation: certificates.client, acm: acm.client };
  const certificateWait = { pollMs: 15_000, maxWaitMs: 60_000, sleep: async (ms: number) => void sleeps.push(ms) };
  return { clients, certificates, acm, context, out, info, warnings, sleeps, certificateWait };
}

test("without --domain: no certificate stack, empty parameters", async () => {
  const w = world();
  const result = await deployCertificate(w.clients, samplePlan(), undefined, w.context);
  assert.deepEqual(result, { parameters: NO_DOMAIN, deployment: undefined, stackName: undefined });
  assert.equal(w.certificates.all.length, 0);
});

test("--domain: a certificate stack named after the domain, with the bare zone id; its ARN for the app stack; reused", async () => {
  const w = world();
  const result = await deployCertificate(w.clients, samplePlan({ domain: "data.example.com" }), ZONE, w.context);
  const name = certificateStackName("mysite", "data.example.com");
  assert.match(name, /^mysite-certificate-[0-9a-f]{8}$/);
  assert.deepEqual(result.parameters, { HostedZoneId: "ZEXAMPLE", CertificateArn: arnOf(name) });
  assert.equal(result.stackName, name);
  const [created] = w.certificates.inputs<CreateStackCommandInput>(CreateStackCommand);
  assert.equal(created?.StackName, name);
  assert.deepEqual(created?.Parameters, [
    { ParameterKey: "DomainName", ParameterValue: "data.example.com" },
    { ParameterKey: "HostedZoneId", ParameterValue: "ZEXAMPLE" },
  ]);
  const again = await deployCertificate(w.clients, samplePlan({ domain: "data.example.com" }), ZONE, w.context);
  assert.equal(again.deployment?.type, "no-op");
  assert.equal(w.certificates.inputs(CreateStackCommand).length, 1);
});

test("a site's legacy NAME-certificate is reused for its domain, and a new domain gets a stack of its own", async () => {
  const w = world();
  w.certificates.addStack({
    name: "mysite-certificate",
    status: "CREATE_COMPLETE",
    parameters: { DomainName: "data.example.com", HostedZoneId: "ZEXAMPLE" },
    outputs: { CertificateArn: arnOf("mysite-certificate"), DomainName: "data.example.com" },
  });
  const same = await deployCertificate(w.clients, samplePlan({ domain: "data.example.com" }), ZONE, w.context);
  assert.equal(same.stackName, "mysite-certificate");
  const other = await deployCertificate(w.clients, samplePlan({ domain: "www.example.com" }), ZONE, w.context);
  assert.equal(other.stackName, certificateStackName("mysite", "www.example.com"));
  assert.ok(w.certificates.stack("mysite-certificate"), "the old one stays until the app stack has moved");
});

test("retiring: the old certificate is deleted once ACM no longer counts it in use (polled every 15 s); the kept one stays", async () => {
  const w = world();
  const old = (await deployCertificate(w.clients, samplePlan({ domain: "old.example.com" }), ZONE, w.context)).stackName!;
  const current = (await deployCertificate(w.clients, samplePlan({ domain: "new.example.com" }), ZONE, w.context)).stackName!;
  w.acm.certificates.set(arnOf(old), { inUseBy: [DISTRIBUTION], lag: 3 });
  const retired = await retireCertificates(w.clients, "mysite", current, w.out, w.context.wait, w.certificateWait);
  assert.deepEqual(retired, { deleted: [old], left: [] });
  assert.deepEqual(w.sleeps, [15_000, 15_000, 15_000]);
  assert.equal(w.certificates.stack(old), undefined);
  assert.ok(w.certificates.stack(current));
  assert.deepEqual(w.warnings, []);
});

test("a certificate ACM still holds after the wait is left, with a warning naming the stack and the command", async () => {
  const w = world();
  const old = (await deployCertificate(w.clients, samplePlan({ domain: "old.example.com" }), ZONE, w.context)).stackName!;
  w.acm.certificates.set(arnOf(old), { inUseBy: [DISTRIBUTION], lag: Number.POSITIVE_INFINITY });
  const retired = await retireCertificates(w.clients, "mysite", undefined, w.out, w.context.wait, w.certificateWait);
  assert.deepEqual(retired, { deleted: [], left: [old] });
  assert.equal(w.sleeps.length, 4, "60 s of 15 s polls");
  assert.equal(w.certificates.inputs(DeleteStackCommand).length, 0);
  assert.deepEqual(w.warnings, [leftCertificateWarning(old, "mysite", "is still counted as in use by CloudFront")]);
  assert.match(w.warnings[0]!, new RegExp(`aws cloudformation delete-stack --stack-name ${old} --region us-east-1$`));
});

test("a deletion CloudFormation cannot finish (ResourceInUseException) is a warning, not a failure", async () => {
  const w = world();
  const old = (await deployCertificate(w.clients, samplePlan({ domain: "old.example.com" }), ZONE, w.context)).stackName!;
  w.certificates.onDelete = () => [
    {
      status: "DELETE_IN_PROGRESS",
      events: [
        resource(
          "Certificate",
          "AWS::CertificateManager::Certificate",
          "DELETE_FAILED",
          `Certificate ${arnOf(old)} in account 123456789012 is in use. ` +
            "(Service: Acm, Status Code: 400, Error Code: ResourceInUseException)",
        ),
      ],
    },
    { status: "DELETE_FAILED" },
  ];
  const retired = await retireCertificates(w.clients, "mysite", undefined, w.out, w.context.wait, w.certificateWait);
  assert.deepEqual(retired, { deleted: [], left: [old] });
  assert.match(w.warnings[0]!, /could not be deleted \(.*ResourceInUseException.*\); it costs nothing/);
});

test("only the site's own certificate stacks are retired: not another site's, not a bucket stack of a site so named", async () => {
  const w = world();
  w.certificates.addStack({ name: "mysite-other-certificate-1a2b3c4d", status: "CREATE_COMPLETE", outputs: { CertificateArn: "x" } });
  w.certificates.addStack({ name: "mysite-certificate-deadbeef", status: "CREATE_COMPLETE", outputs: { BucketName: "a-bucket" } });
  const retired = await retireCertificates(w.clients, "mysite", undefined, w.out, w.context.wait, w.certificateWait);
  assert.deepEqual(retired, { deleted: [], left: [] });
});
