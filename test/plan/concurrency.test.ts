// What a site reserves of the account's Lambda concurrency. Lambda refuses a
// reservation that leaves fewer unreserved executions than its minimum, 100 or,
// on accounts with a lower limit, all of it ("decreases account's
// UnreservedConcurrentExecution below its minimum value of [10]" is what new
// accounts report): https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html,
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { CONVERTER_MAX_CONCURRENCY, decideConcurrency } from "../../src/plan/concurrency.ts";
import { checkOptions } from "../../src/plan/plan.ts";

const fresh = { site: 0, converter: 0 };
const big = { limit: 1000, unreserved: 1000 };

test("the default: the site uncapped, the converter capped at 2", () => {
  assert.equal(CONVERTER_MAX_CONCURRENCY, 2);
  assert.deepEqual(decideConcurrency(null, big, fresh, "eu-west-1"), { parameters: { MaxInstances: "0", ConverterMaxConcurrency: "2" } });
});

test("--max-instances within the headroom is reserved", () => {
  assert.deepEqual(decideConcurrency(50, big, fresh, "eu-west-1").parameters, { MaxInstances: "50", ConverterMaxConcurrency: "2" });
  // 1000 - 100 = 900 can be reserved: 898 for the site, 2 for the converter.
  assert.equal(decideConcurrency(898, big, fresh, "eu-west-1").parameters.ConverterMaxConcurrency, "2");
});

test("more than the account can reserve is refused with the figures and the fix", () => {
  const busy = { limit: 1000, unreserved: 112 };
  assert.throws(
    () => decideConcurrency(50, busy, fresh, "eu-west-1"),
    (error: unknown) =>
      error instanceof UserError &&
      error.message ===
        "--max-instances 50: this account can reserve 12 concurrent executions for this site in eu-west-1 " +
          "(Lambda limit 1000, 112 unreserved, at least 100 must stay unreserved)" &&
      /--max-instances 12 or fewer/.test(error.hint ?? ""),
  );
});

test("what the site reserves already is handed back on update", () => {
  // 112 unreserved, but 40 of the 888 reserved are this site's and 2 its converter's: 54 may be had.
  assert.equal(
    decideConcurrency(54, { limit: 1000, unreserved: 112 }, { site: 40, converter: 2 }, "eu-west-1").parameters.MaxInstances,
    "54",
  );
  assert.throws(() => decideConcurrency(55, { limit: 1000, unreserved: 112 }, { site: 40, converter: 2 }, "eu-west-1"), UserError);
});

test("new accounts (limit 10 or 50) can reserve nothing: the converter goes uncapped, said once; --max-instances is refused", () => {
  for (const limit of [10, 50]) {
    const decision = decideConcurrency(null, { limit, unreserved: limit }, fresh, "us-east-1");
    assert.deepEqual(decision.parameters, { MaxInstances: "0", ConverterMaxConcurrency: "0" });
    assert.match(
      decision.note ?? "",
      new RegExp(`not capped at 2 at once: this account's Lambda limit \\(${limit} concurrent executions in us-east-1\\)`),
    );
    assert.throws(
      () => decideConcurrency(1, { limit, unreserved: limit }, fresh, "us-east-1"),
      (error: unknown) =>
        error instanceof UserError && /can reserve 0/.test(error.message) && /Deploy without --max-instances/.test(error.hint ?? ""),
    );
  }
});

test("the site's cap leaves room for the converter's or drops it", () => {
  const decision = decideConcurrency(899, big, fresh, "eu-west-1");
  assert.deepEqual(decision.parameters, { MaxInstances: "899", ConverterMaxConcurrency: "0" });
});

test("--max-instances: 0 means no cap, as cloudrun's; a negative number is refused", () => {
  assert.equal(checkOptions("mysite", { maxInstances: 0 }).maxInstances, null);
  assert.equal(checkOptions("mysite", {}).maxInstances, null);
  assert.equal(checkOptions("mysite", { maxInstances: 7 }).maxInstances, 7);
  assert.throws(() => checkOptions("mysite", { maxInstances: -1 }), /--max-instances -1/);
});
