import assert from "node:assert/strict";
import { test } from "node:test";
import { findLiveSite, siteAddress } from "../../src/aws/live-site.ts";
import { liveWorld } from "../_helpers/live-site.ts";

test("siteAddress: the site URL with the stack's PathPrefix, ending in /", () => {
  assert.equal(siteAddress("https://d1.net/", ""), "https://d1.net/");
  assert.equal(siteAddress("https://d1.net", undefined), "https://d1.net/");
  assert.equal(siteAddress("https://d1.net/", "/v1/data"), "https://d1.net/v1/data/");
});

test("findLiveSite: bucket, address, check interval and /tmp size from the two stacks", async () => {
  const w = liveWorld({ prefix: "/x", liveCheckSeconds: "30", ephemeralStorageMb: "916" });
  assert.deepEqual(await findLiveSite(w.cfn.client, "site", "eu-west-1"), {
    name: "site",
    bucket: "site-bucket-1a2b",
    url: "https://d111.cloudfront.net/x/",
    liveCheckSeconds: 30,
    tmpBytes: 916 * 1024 * 1024,
  });
  // A stack that does not say (none does without the parameter): nothing is claimed about /tmp.
  assert.equal((await findLiveSite(liveWorld().cfn.client, "site", "eu-west-1")).tmpBytes, undefined);
});

test("findLiveSite: a site whose bucket stack is gone says what to do", async () => {
  const w = liveWorld();
  w.cfn.stack("site")!.status = "DELETE_COMPLETE";
  await assert.rejects(findLiveSite(w.cfn.client, "site", "eu-west-1"), /The site site has no bucket \(stack site not found\)/);
});
