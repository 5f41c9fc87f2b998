// --snapstart where Lambda offers it: "all commercial Regions except Asia Pacific
// (New Zealand) and Asia Pacific (Taipei)",
// https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-supported-regions
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { checkSnapStartRegion, snapStartUnavailable } from "../../src/plan/snapstart-regions.ts";

test("refused in New Zealand and Taipei, naming the region", () => {
  assert.throws(
    () => checkSnapStartRegion(true, "ap-southeast-6"),
    (error: unknown) =>
      error instanceof UserError &&
      error.message === "--snapstart: Lambda SnapStart is not offered in Asia Pacific (New Zealand) (ap-southeast-6)",
  );
  assert.throws(() => checkSnapStartRegion(true, "ap-east-2"), /Asia Pacific \(Taipei\) \(ap-east-2\)/);
});

test("refused outside the commercial partition", () => {
  for (const region of ["cn-north-1", "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1"]) {
    assert.match(snapStartUnavailable(region) ?? "", /outside AWS's commercial Regions/, region);
  }
});

test("allowed elsewhere, and never checked without --snapstart", () => {
  for (const region of ["eu-west-1", "us-east-1", "ap-southeast-2", "ap-east-1"])
    assert.doesNotThrow(() => checkSnapStartRegion(true, region));
  assert.doesNotThrow(() => checkSnapStartRegion(false, "ap-southeast-6"));
});
