// After a site's distribution is gone: the shared stack goes only when no
// distribution uses its cache policies (CloudFront's ListDistributionsByCachePolicyId,
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributionsByCachePolicyId.html).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { releaseShared } from "../../src/deploy/release-shared.ts";
import { FakeCloudFormation, resource } from "../_helpers/fake-cloudformation.ts";
import { FakeCloudFront } from "../_helpers/fake-cloudfront.ts";

const OUTPUTS = { CachePolicyId: "policy-pages", StaticCachePolicyId: "policy-static" };

function world(status = "CREATE_COMPLETE") {
  const usEast1 = new FakeCloudFormation();
  usEast1.addStack({ name: "datasette-lambda-shared", status, outputs: OUTPUTS });
  const cloudfront = new FakeCloudFront();
  const lines = { info: [] as string[], warn: [] as string[], debug: [] as string[] };
  const out = {
    info: (m: string) => lines.info.push(m),
    warn: (m: string) => lines.warn.push(m),
    debug: (m: string) => lines.debug.push(m),
  };
  const clients = { usEast1Cloudformation: usEast1.client, cloudfront: cloudfront.client };
  return { usEast1, cloudfront, lines, out, clients, wait: { sleep: async () => {}, pollMs: 0 } };
}

test("no distribution uses either policy: the shared stack is deleted", async () => {
  const w = world();
  assert.deepEqual(await releaseShared(w.clients, w.out, w.wait), { type: "deleted" });
  assert.equal(w.usEast1.stack("datasette-lambda-shared"), undefined);
  assert.match(w.lines.info.join("\n"), /No site uses the shared CloudFront stack datasette-lambda-shared any more/);
});

test("a distribution still uses one of them (the static one counts too): kept, and said so", async () => {
  const w = world();
  w.cloudfront.users.set("policy-static", ["E2OTHERSITE"]);
  assert.deepEqual(await releaseShared(w.clients, w.out, w.wait), { type: "kept", usedBy: 1 });
  assert.equal(w.usEast1.inputs(DeleteStackCommand).length, 0);
  assert.match(w.lines.info.join("\n"), /kept: 1 other distribution uses it/);
});

test("no shared stack: nothing to do; one being created or updated by a deploy: left alone", async () => {
  const none = world();
  none.usEast1.all.length = 0;
  assert.deepEqual(await releaseShared(none.clients, none.out, none.wait), { type: "absent" });
  const busy = world("UPDATE_IN_PROGRESS");
  assert.deepEqual(await releaseShared(busy.clients, busy.out, busy.wait), { type: "busy", status: "UPDATE_IN_PROGRESS" });
  assert.equal(busy.cloudfront.calls(), 0);
});

test("a delete CloudFront refuses (a site deployed meanwhile) is a warning, not a failure", async () => {
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
  const result = await releaseShared(w.clients, w.out, w.wait);
  assert.equal(result.type, "failed");
  assert.match(
    w.lines.warn.join("\n"),
    /Could not delete the shared CloudFront stack datasette-lambda-shared \(us-east-1\): .*CachePolicyInUse.* It costs nothing/,
  );
});
