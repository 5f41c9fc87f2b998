import assert from "node:assert/strict";
import { test } from "node:test";
import { prereqStackParameters } from "../../src/plan/prereq-parameters.ts";

test("--cors is the bucket stack's only parameter", () => {
  assert.deepEqual(prereqStackParameters({ cors: true }), { Cors: "true" });
  assert.deepEqual(prereqStackParameters({ cors: false }), { Cors: "false" });
});
