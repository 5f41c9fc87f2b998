// How the Python suites are reported (test/_helpers/pytest.ts): pytest runs a
// generated module of passing, failing, skipped and broken tests, and each comes
// back named by its pytest node id, a failure with its traceback, a skip with
// its reason, an inherited test once per class.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, type TestContext, test } from "node:test";
import { REPO_ROOT } from "../_helpers/cli.ts";
import type { PythonTestResult } from "../_helpers/junit.ts";
import { reportPytest, runPytest } from "../_helpers/pytest.ts";

// Under the repository (.cache/ is ignored by git), so pytest's rootdir and node ids are the suites' own.
mkdirSync(join(REPO_ROOT, ".cache"), { recursive: true });
const dir = mkdtempSync(join(REPO_ROOT, ".cache", "pytest-report-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const at = relative(REPO_ROOT, dir);

writeFileSync(
  join(dir, "mixin.py"),
  `class Shared:
    def test_inherited(self):
        self.assertEqual(self.value, 1)
`,
);
writeFileSync(
  join(dir, "test_cases.py"),
  `import unittest

from mixin import Shared


class Cases(unittest.TestCase):
    def test_passes(self):
        pass

    def test_fails(self):
        self.assertEqual(1, 2, "one & <two>")

    def test_a_subtest_fails(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertNotEqual(i, 1)

    @unittest.skip('because "reasons" & more')
    def test_skipped(self):
        pass


class SetUpFails(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("setup broke")

    def test_never_runs(self):
        pass


class One(Shared, unittest.TestCase):
    value = 1


class Two(Shared, unittest.TestCase):
    value = 2
`,
);
writeFileSync(join(dir, "test_broken.py"), "import no_such_module_here\n");

const pytest = await runPytest([`${at}/test_cases.py`]);
const broken = await runPytest([`${at}/test_broken.py`]);
const byId = new Map([...pytest.results, ...broken.results].map((result) => [result.id, result]));

function result(name: string): PythonTestResult {
  const found = byId.get(`${at}/${name}`);
  assert.ok(found, `${name} among ${[...byId.keys()].join(", ")}`);
  return found;
}

test("pytest exits 1 when tests failed, 2 when a module failed to import; each test has one result", () => {
  assert.equal(pytest.exitCode, 1, pytest.output);
  assert.equal(pytest.results.length, 7, pytest.output);
  assert.equal(broken.exitCode, 2, broken.output);
  assert.equal(broken.results.length, 1, broken.output);
});

test("a passing test passes, named by its node id", () => {
  assert.deepEqual(result("test_cases.py::Cases::test_passes").outcome, "passed");
  assert.deepEqual(result("test_cases.py::One::test_inherited").outcome, "passed");
});

test("a failing test fails with its traceback and message, unescaped", () => {
  const { outcome, failures } = result("test_cases.py::Cases::test_fails");
  assert.equal(outcome, "failed");
  assert.match(failures.join(), /self\.assertEqual\(1, 2, "one & <two>"\)/);
  assert.match(failures.join(), /AssertionError: 1 != 2 : one & <two>/);
});

test("a failing subtest fails its test; an inherited test is reported per class", () => {
  assert.equal(result("test_cases.py::Cases::test_a_subtest_fails").outcome, "failed");
  assert.match(result("test_cases.py::Cases::test_a_subtest_fails").failures.join(), /AssertionError: 1 == 1/);
  const two = result("test_cases.py::Two::test_inherited");
  assert.equal(two.outcome, "failed");
  assert.match(two.failures.join(), /AssertionError: 2 != 1/);
});

test("a skipped test says why; a failed setUpClass fails its tests", () => {
  const skipped = result("test_cases.py::Cases::test_skipped");
  assert.deepEqual([skipped.outcome, skipped.skipReason], ["skipped", 'because "reasons" & more']);
  const setUp = result("test_cases.py::SetUpFails::test_never_runs");
  assert.equal(setUp.outcome, "failed");
  assert.match(setUp.failures.join(), /RuntimeError: setup broke/);
});

test("a module that fails to import is a failed result named after its file", () => {
  const module = result("test_broken.py");
  assert.equal(module.outcome, "failed");
  assert.match(module.failures.join(), /No module named 'no_such_module_here'/);
});

test("reported under node:test: one subtest each, a failure thrown with the Python text, a skip with its reason", async () => {
  const subtests: Array<{ name: string; skip: string | false; error?: Error }> = [];
  const fake = {
    async test(name: string, options: { skip: string | false }, fn: () => void) {
      const entry: (typeof subtests)[number] = { name, skip: options.skip };
      subtests.push(entry);
      if (options.skip === false) {
        try {
          fn();
        } catch (error) {
          entry.error = error as Error;
        }
      }
    },
    diagnostic() {},
  } as unknown as TestContext;
  await reportPytest(fake, pytest);
  assert.deepEqual(
    subtests.map((s) => s.name),
    pytest.results.map((r) => r.id),
  );
  const fails = subtests.find((s) => s.name.endsWith("::Cases::test_fails"))!;
  assert.match(fails.error?.stack ?? "", /^PythonTestFailure: [\s\S]*AssertionError: 1 != 2/);
  assert.doesNotMatch(fails.error?.stack ?? "", /pytest\.ts/, "no JavaScript stack");
  assert.equal(subtests.find((s) => s.name.endsWith("::Cases::test_skipped"))!.skip, 'because "reasons" & more');
  assert.equal(subtests.find((s) => s.name.endsWith("::Cases::test_passes"))!.error, undefined);
  // pytest failing without any failed result is itself a failure.
  await assert.rejects(reportPytest(fake, { results: [], exitCode: 1, output: "crashed" }), /pytest exited 1:\ncrashed/);
});
