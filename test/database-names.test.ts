// The name rule's own cases (the shared ones, every publisher's names and
// errors, are the contract's golden examples: test/live/contract.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../src/errors.ts";
import { checkDistinctNames, liveNameFromFile, nameProblem, reservedProblem, validateLiveName } from "../src/database-names.ts";

test("liveNameFromFile: the file name without its extension, other characters replaced by _", () => {
  assert.equal(liveNameFromFile("/x/sales-2026.csv"), "sales-2026");
  assert.equal(liveNameFromFile("my data (v2).json"), "my_data__v2_");
  assert.equal(liveNameFromFile("données.tar.csv"), "donn_es_tar");
});

test("validateLiveName: the name, or a UserError whose one line names where it came from and the fix", () => {
  assert.equal(validateLiveName("Sales-2026_x", { flag: "--into" }), "Sales-2026_x");
  for (const bad of ["", "a b", "a/b", "a.db", "ünï", "x\n", "_internal", "_MEMORY", "-"]) {
    assert.throws(
      () => validateLiveName(bad, { flag: "--into" }),
      (error: unknown) =>
        error instanceof UserError && error.message.startsWith("--into: ") && error.message.endsWith("; choose another name"),
      JSON.stringify(bad),
    );
    assert.notEqual(nameProblem(bad), undefined);
  }
  assert.throws(() => validateLiveName("sales", { file: "sales.csv" }, ["Sales"]), {
    message: 'sales.csv: the database name "sales" differs only in case from the database "Sales"; rename the file',
  });
});

test("reservedProblem: only the names Datasette keeps, in any case (the rule for deployed SQLite files)", () => {
  assert.equal(reservedProblem("my data"), undefined);
  assert.equal(reservedProblem("_Internal"), 'the database name "_Internal" is Datasette\'s own database');
  assert.equal(nameProblem("my data"), '"my data" is not a database name: use only letters, digits, _ and -');
});

test("checkDistinctNames: two alike, or alike but for case, are one error naming both sources", () => {
  checkDistinctNames(
    [
      { name: "a", from: "a.csv" },
      { name: "b", from: "b.csv" },
    ],
    "hint",
  );
  assert.throws(
    () =>
      checkDistinctNames(
        [
          { name: "a", from: "x/a.csv" },
          { name: "a", from: "y/a.json" },
        ],
        "Rename one.",
      ),
    {
      message: 'x/a.csv and y/a.json would both be served as the database "a"',
      hint: "Rename one.",
    },
  );
  assert.throws(
    () =>
      checkDistinctNames(
        [
          { name: "a", from: "a.csv" },
          { name: "A", from: "A.db" },
        ],
        "h",
      ),
    {
      message: 'a.csv and A.db would be served as the databases "a" and "A", whose names differ only in case',
    },
  );
});
