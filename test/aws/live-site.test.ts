import assert from "node:assert/strict";
import { test } from "node:test";
import { findLiveSite, siteAddress } from "../../src/aws/live-site.ts";
import { liveWorld, SCHEDULING_OUTPUTS } from "../_helpers/live-site.ts";

test("siteAddress: the site URL with the stack's PathPrefix, ending in /", () => {
  assert.equal(siteAddress("https://d1.net/", ""), "https://d1.net/");
  assert.equal(siteAddress("https://d1.net", undefined), "https://d1.net/");
  assert.equal(siteAddress("https://d1.net/", "/v1/data"), "https://d1.net/v1/data/");
});

test("findLiveSite: bucket, address, check interval, /tmp size, conversion settings and scheduling from the two stacks", async () => {
  const w = liveWorld({ prefix: "/x", liveCheckSeconds: "30", ephemeralStorageMb: "916", convertSettings: '{"fts":["title"]}' });
  assert.deepEqual(await findLiveSite(w.cfn.client, "site", "eu-west-1"), {
    name: "site",
    bucket: "site-bucket-1a2b",
    url: "https://d111.cloudfront.net/x/",
    liveCheckSeconds: 30,
    tmpBytes: 916 * 1024 * 1024,
    convert: { fts: ["title"], encoding: null },
    scheduling: {
      group: SCHEDULING_OUTPUTS.ScheduleGroupName,
      roleArn: SCHEDULING_OUTPUTS.SchedulerRoleArn,
      functionArn: SCHEDULING_OUTPUTS.ConverterFunctionArn,
    },
  });
  const older = await findLiveSite(liveWorld({ scheduling: false }).cfn.client, "site", "eu-west-1");
  // A stack that does not say (none does without the parameter): nothing is claimed about /tmp.
  assert.equal(older.tmpBytes, undefined);
  assert.deepEqual(older.convert, { fts: [], encoding: null }, "a site deployed before the settings has none");
  assert.equal(older.scheduling, undefined, "nor scheduled imports");
});

test("findLiveSite: a site whose bucket stack is gone says what to do", async () => {
  const w = liveWorld();
  w.cfn.stack("site")!.status = "DELETE_COMPLETE";
  await assert.rejects(findLiveSite(w.cfn.client, "site", "eu-west-1"), /The site site has no bucket \(stack site not found\)/);
});
