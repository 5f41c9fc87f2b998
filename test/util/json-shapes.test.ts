import assert from "node:assert/strict";
import { test } from "node:test";
import { isObject, isSha256, isTableCounts, isWholeNumber } from "../../src/util/json-shapes.ts";

test("the contract's JSON shapes: objects, whole numbers, sha256 digests, table counts", () => {
  assert.deepEqual([{}, [], null, "x"].map(isObject), [true, false, false, false]);
  assert.deepEqual([0, 4096, -1, 1.5, "1", true, Number.POSITIVE_INFINITY].map(isWholeNumber), [
    true,
    true,
    false,
    false,
    false,
    false,
    false,
  ]);
  assert.deepEqual(["a".repeat(64), "A".repeat(64), `${"a".repeat(64)}\n`, "a".repeat(63)].map(isSha256), [true, false, false, false]);
  assert.deepEqual([{}, { t: { count: 0 } }, { t: {} }, { t: { count: -1 } }, []].map(isTableCounts), [true, true, false, false, false]);
});
