// The account's shared CloudFront stack before a site's app stack: created once,
// unchanged afterwards, its outputs handed to the app stack; a new site is refused
// once the shared cache policy serves CloudFront's 100 distributions ("Distributions
// associated with the same cache policy: 100", not adjustable,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateStackCommand, type CreateStackCommandInput } from "@aws-sdk/client-cloudformation";
import { checkRoomForSite, deployShared, sharedParameters } from "../../src/deploy/deploy-shared.ts";
import type { StackContext } from "../../src/deploy/deploy-stack.ts";
import { AwsError, UserError } from "../../src/errors.ts";
import { NO_SHARED } from "../../src/plan/app-parameters.ts";
import { EDGE_RUNTIME } from "../../src/plan/runtimes.ts";
import { readTemplate } from "../../src/templates.ts";
import { FakeCloudFormation } from "../_helpers/fake-cloudformation.ts";
import { FakeCloudFront } from "../_helpers/fake-cloudfront.ts";

const OUTPUTS = {
  CachePolicyId: "11111111-2222-3333-4444-555555555555",
  StaticCachePolicyId: "66666666-7777-8888-9999-000000000000",
  OriginAccessControlId: "E1OACEXAMPLE1",
  ViewerFunctionArn: "arn:aws:cloudfront::123456789012:function/datasette-lambda-abc",
  EdgeFunctionVersionArn: "arn:aws:lambda:us-east-1:123456789012:function:datasette-lambda-edge-abc:1",
};

function world(options: { users?: string[]; appDistribution?: string } = {}) {
  const site = new FakeCloudFormation();
  if (options.appDistribution)
    site.addStack({ name: "site-lambda", status: "UPDATE_COMPLETE", outputs: { DistributionId: options.appDistribution } });
  const usEast1 = new FakeCloudFormation();
  usEast1.outputsFor = () => OUTPUTS;
  const cloudfront = new FakeCloudFront();
  cloudfront.pageSize = 7;
  cloudfront.users.set(OUTPUTS.CachePolicyId, options.users ?? []);
  const info: string[] = [];
  const context: StackContext = {
    info: (m) => info.push(m),
    wait: { sleep: async () => {}, pollMs: 0 },
    siteName: "site",
    region: "eu-west-1",
  };
  const clients = { cloudformation: site.client, usEast1Cloudformation: usEast1.client, cloudfront: cloudfront.client };
  return { site, usEast1, cloudfront, info, context, clients };
}

const cdnPlan = { cdn: true, appStackName: "site-lambda" };

test("--no-cdn: no shared stack, no CloudFront call, empty parameters", async () => {
  const w = world();
  const result = await deployShared(w.clients, { ...cdnPlan, cdn: false }, w.context);
  assert.deepEqual(result, { parameters: NO_SHARED, deployment: undefined });
  assert.equal(w.usEast1.all.length, 0);
  assert.equal(w.cloudfront.calls(), 0);
});

test("the first site creates the shared stack in us-east-1 from shared.yaml; its outputs become the app's parameters", async () => {
  const w = world();
  const result = await deployShared(w.clients, cdnPlan, w.context);
  const [create] = w.usEast1.inputs<CreateStackCommandInput>(CreateStackCommand);
  assert.equal(create?.StackName, "datasette-lambda-shared");
  assert.equal(create?.TemplateBody, await readTemplate("shared"));
  assert.deepEqual(result.parameters, {
    SharedCachePolicyId: OUTPUTS.CachePolicyId,
    SharedStaticCachePolicyId: OUTPUTS.StaticCachePolicyId,
    SharedOriginAccessControlId: OUTPUTS.OriginAccessControlId,
    SharedViewerFunctionArn: OUTPUTS.ViewerFunctionArn,
    SharedEdgeFunctionVersionArn: OUTPUTS.EdgeFunctionVersionArn,
  });
  // The edge function's runtime comes from the runtime table, never from the template.
  assert.deepEqual(create?.Parameters, [{ ParameterKey: "EdgeRuntime", ParameterValue: EDGE_RUNTIME }]);
  assert.equal(result.deployment?.type, "created");
  assert.match(w.info.join("\n"), /Shared CloudFront parts: stack datasette-lambda-shared \(us-east-1\), used by 0 distributions/);
});

test("later sites find it unchanged: no create or update, one stack for the account", async () => {
  const w = world({ users: ["E1", "E2"] });
  await deployShared(w.clients, cdnPlan, w.context);
  const again = await deployShared(w.clients, cdnPlan, w.context);
  assert.equal(again.deployment?.type, "no-op");
  assert.equal(w.usEast1.all.length, 1);
  assert.equal(w.usEast1.inputs(CreateStackCommand).length, 1);
});

test("a 101st site is refused before its app stack is touched; a site already on the policy is not", async () => {
  const hundred = Array.from({ length: 100 }, (_, i) => `E${String(i).padStart(12, "0")}`);
  const full = world({ users: hundred });
  await assert.rejects(
    deployShared(full.clients, cdnPlan, full.context),
    (error: unknown) =>
      error instanceof UserError &&
      /already serves 100 sites, CloudFront's limit per policy/.test(error.message) &&
      /--no-cdn/.test(error.hint ?? ""),
  );
  // All 100 were read, across pages of 7.
  assert.ok(full.cloudfront.calls() >= 15);
  const existing = world({ users: hundred, appDistribution: hundred[42] });
  await deployShared(existing.clients, cdnPlan, existing.context);
});

test("room for a site: pure", () => {
  assert.doesNotThrow(() => checkRoomForSite(["a"], undefined));
  assert.doesNotThrow(() =>
    checkRoomForSite(
      Array.from({ length: 99 }, (_, i) => `E${i}`),
      undefined,
    ),
  );
  assert.throws(
    () =>
      checkRoomForSite(
        Array.from({ length: 100 }, (_, i) => `E${i}`),
        "E999",
      ),
    UserError,
  );
});

test("a shared stack without the outputs is named, with what to do", () => {
  assert.throws(
    () => sharedParameters({ CachePolicyId: "x" }),
    (error: unknown) => error instanceof AwsError && /has no StaticCachePolicyId output/.test(error.message),
  );
});
