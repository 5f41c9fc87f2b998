// After a site's distribution is gone: the shared stack goes only when no
// distribution uses its cache policies (CloudFront's ListDistributionsByCachePolicyId,
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributionsByCachePolicyId.html),
// then every retained Lambda@Edge function no live shared stack owns. Lambda refuses to
// delete one CloudFront still has replicas of, for hours after the last distribution lets go
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html):
// that one is pending, with the command to run later.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { edgeFunctionOf } from "../../src/aws/edge-functions.ts";
import { pendingFunctionWarning, releaseShared } from "../../src/deploy/release-shared.ts";
import { FakeCloudFormation, resource } from "../_helpers/fake-cloudformation.ts";
import { FakeCloudFront } from "../_helpers/fake-cloudfront.ts";
import { FakeLambda } from "../_helpers/fake-lambda.ts";

const OUTPUTS = { CachePolicyId: "policy-pages", StaticCachePolicyId: "policy-static" };
const RERUN = "datasette-lambda delete-stack site";

function world(status = "CREATE_COMPLETE") {
  const usEast1 = new FakeCloudFormation();
  const stack = usEast1.addStack({ name: "datasette-lambda-shared", status, outputs: OUTPUTS });
  const cloudfront = new FakeCloudFront();
  const lambda = new FakeLambda();
  // The stack's own function, one retained by an earlier shared stack, and someone else's.
  const own = edgeFunctionOf(stack.id);
  for (const name of [own, "datasette-lambda-edge-0ld5tack", "my-other-function"]) lambda.functions.add(name);
  const lines = { info: [] as string[], warn: [] as string[], debug: [] as string[] };
  const out = {
    info: (m: string) => lines.info.push(m),
    warn: (m: string) => lines.warn.push(m),
    debug: (m: string) => lines.debug.push(m),
  };
  const clients = { usEast1Cloudformation: usEast1.client, cloudfront: cloudfront.client, usEast1Lambda: lambda.client };
  return { usEast1, cloudfront, lambda, own, lines, out, clients, wait: { sleep: async () => {}, pollMs: 0 } };
}

test("no distribution uses either policy: the shared stack is deleted, then its retained function", async () => {
  const w = world();
  const result = await releaseShared(w.clients, w.out, w.wait, RERUN);
  assert.deepEqual(result.stack, { type: "deleted" });
  assert.deepEqual(result.deletedFunctions, ["datasette-lambda-edge-0ld5tack", w.own].sort());
  assert.deepEqual(result.pendingFunctions, []);
  assert.equal(w.usEast1.stack("datasette-lambda-shared"), undefined);
  assert.deepEqual([...w.lambda.functions], ["my-other-function"]);
  assert.match(w.lines.info.join("\n"), /No site uses the shared CloudFront stack datasette-lambda-shared any more/);
});

test("a distribution still uses one of them (the static one counts too): kept, its function kept, an orphan deleted", async () => {
  const w = world();
  w.cloudfront.users.set("policy-static", ["E2OTHERSITE"]);
  const result = await releaseShared(w.clients, w.out, w.wait, RERUN);
  assert.deepEqual(result.stack, { type: "kept", usedBy: 1 });
  assert.equal(w.usEast1.inputs(DeleteStackCommand).length, 0);
  assert.deepEqual(w.lambda.deletes(), ["datasette-lambda-edge-0ld5tack"]);
  assert.ok(w.lambda.functions.has(w.own));
  assert.match(w.lines.info.join("\n"), /kept: 1 other distribution uses it/);
});

test("replicas not gone yet: pending, a warning with both commands, and no failure", async () => {
  const w = world();
  w.lambda.replicated.add(w.own);
  const result = await releaseShared(w.clients, w.out, w.wait, RERUN);
  assert.deepEqual(result.stack, { type: "deleted" });
  assert.deepEqual(result.pendingFunctions, [w.own]);
  assert.deepEqual(w.lines.warn, [pendingFunctionWarning(w.own, RERUN)]);
  assert.match(
    w.lines.warn[0]!,
    new RegExp(`Run \`${RERUN}\` again later, or \`aws lambda delete-function --function-name ${w.own} --region us-east-1\``),
  );
  // A later run, once CloudFront has let go: nothing left.
  w.lambda.replicated.clear();
  const later = await releaseShared(w.clients, w.out, w.wait, RERUN);
  assert.deepEqual(later, { stack: { type: "absent" }, deletedFunctions: [w.own], pendingFunctions: [] });
});

test("no shared stack: orphans still swept; one being created or updated by a deploy: nothing touched", async () => {
  const none = world();
  none.usEast1.all.length = 0;
  const swept = await releaseShared(none.clients, none.out, none.wait, RERUN);
  assert.deepEqual(swept.stack, { type: "absent" });
  assert.equal(swept.deletedFunctions.length, 2);
  const busy = world("UPDATE_IN_PROGRESS");
  const left = await releaseShared(busy.clients, busy.out, busy.wait, RERUN);
  assert.deepEqual(left, { stack: { type: "busy", status: "UPDATE_IN_PROGRESS" }, deletedFunctions: [], pendingFunctions: [] });
  assert.equal(busy.cloudfront.calls(), 0);
  assert.deepEqual(busy.lambda.deletes(), []);
});

test("a delete CloudFront refuses (a site deployed meanwhile) is a warning, not a failure; the live stack's function stays", async () => {
  const w = world();
  w.usEast1.onDelete = () => [
    {
      status: "DELETE_IN_PROGRESS",
      events: [
        resource(
          "CachePolicy",
          "AWS::CloudFront::CachePolicy",
          "DELETE_FAILED",
          "Resource handler returned message: " +
            '"Cannot delete the cache policy because it is attached to one or more cache behaviors." ' +
            "(Service: CloudFront, Status Code: 409, Error Code: CachePolicyInUse)",
        ),
      ],
    },
    { status: "DELETE_FAILED" },
  ];
  const result = await releaseShared(w.clients, w.out, w.wait, RERUN);
  assert.equal(result.stack.type, "failed");
  assert.match(
    w.lines.warn.join("\n"),
    /Could not delete the shared CloudFront stack datasette-lambda-shared \(us-east-1\): .*CachePolicyInUse.* It costs nothing/,
  );
  assert.ok(w.lambda.functions.has(w.own), "the DELETE_FAILED stack still owns its function");
});

test("the edge function's name: the prefix and the first part of the stack id's UUID, as shared.yaml names it", () => {
  assert.equal(
    edgeFunctionOf("arn:aws:cloudformation:us-east-1:123456789012:stack/datasette-lambda-shared/1a2b3c4d-0000-11ef-9d5b-0a1b2c3d4e5f"),
    "datasette-lambda-edge-1a2b3c4d",
  );
});
