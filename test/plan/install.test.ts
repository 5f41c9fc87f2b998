import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { namedPackages, projectName, validateInstall } from "../../src/plan/install.ts";

test("--install takes names with optional extras and versions, once each", () => {
  const good = ["datasette-cluster-map", "datasette-graphql>=2.2", "sqlite_utils[flake8]==3.38", "a>=1,<2", "x.y~=1.0"];
  assert.deepEqual(validateInstall(good), good);
  assert.deepEqual(validateInstall(["a", "a"]), ["a"]);
  assert.deepEqual(validateInstall(undefined), []);
});

test("anything an installer would read as an option or a second line fails naming --install", () => {
  for (const bad of ["-r other.txt", "--index-url=https://evil", "a\n--extra-index-url x", "a b", "", "a==1; python_version<'3'", "https://x/y.whl"]) {
    assert.throws(() => validateInstall([bad]), (error: unknown) => {
      assert.ok(error instanceof UserError, bad);
      assert.match(error.message, /^--install ".*" is not a package name/s);
      assert.match(error.hint ?? "", /--install datasette-cluster-map/);
      return true;
    });
  }
});

test("the --install packages an installer's error names, whatever its - _ . spelling", () => {
  assert.equal(projectName("Datasette_Cluster.Map[x]>=1"), "datasette-cluster-map");
  const uv = "  × No solution found when resolving dependencies:\n  ╰─▶ Because datasette-no-such-plugin was not found in the package registry and you require datasette-no-such-plugin, we can conclude that your requirements are unsatisfiable.";
  assert.deepEqual(namedPackages(uv, ["datasette-cluster-map", "datasette_no_such_plugin==1.0"]), ["datasette_no_such_plugin==1.0"]);
  // A longer name containing another is not a match for it.
  assert.deepEqual(namedPackages("Because datasette-cluster-map-extra has no wheels", ["datasette-cluster-map"]), []);
});
