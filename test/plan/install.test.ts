import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { localWheel, namedPackages, projectName, validateInstall } from "../../src/plan/install.ts";

const WHEEL = "./dist/datasette_foo-0.1-py3-none-any.whl";
const URL_REQUIREMENT = "datasette-foo @ https://example.com/files/datasette_foo-0.1-py3-none-any.whl";

function refusal(bad: string, message: RegExp, hint: RegExp): void {
  assert.throws(
    () => validateInstall([bad]),
    (error: unknown) => {
      assert.ok(error instanceof UserError, bad);
      assert.match(error.message, message, bad);
      assert.match(error.hint ?? "", hint, bad);
      return true;
    },
  );
}

test("--install takes names with optional extras and versions, once each", () => {
  const good = ["datasette-cluster-map", "datasette-graphql>=2.2", "sqlite_utils[flake8]==3.38", "a>=1,<2", "x.y~=1.0"];
  assert.deepEqual(validateInstall(good), good);
  assert.deepEqual(validateInstall(["a", "a"]), ["a"]);
  assert.deepEqual(validateInstall(undefined), []);
});

test("--install takes simple environment markers, direct references to wheels and local wheel files", () => {
  const good = [
    'six; python_version >= "3.12"',
    "a==1; python_version<'3'",
    'tomli ; python_version < "3.11" and platform_machine == "aarch64"',
    URL_REQUIREMENT,
    "datasette-foo[x]@https://example.com/datasette_foo-0.1-py3-none-any.whl#sha256=abc123",
    `${URL_REQUIREMENT} ; python_version >= "3.12"`,
    WHEEL,
    "datasette_foo-0.1-py3-none-any.whl",
    "/abs/dir with spaces/datasette_foo-0.1-cp313-cp313-manylinux_2_34_aarch64.whl",
  ];
  assert.deepEqual(validateInstall(good), good);
  assert.equal(localWheel(WHEEL), WHEEL);
  assert.equal(localWheel("datasette_foo-0.1-py3-none-any.whl"), "datasette_foo-0.1-py3-none-any.whl");
  assert.equal(localWheel(URL_REQUIREMENT), null);
  assert.equal(localWheel("datasette-foo>=1"), null);
});

test("anything an installer would read as an option, a comment or a second line fails naming --install", () => {
  for (const bad of [
    "-r other.txt",
    "--index-url=https://evil",
    "a\n--extra-index-url x",
    "a b",
    "",
    "a # comment",
    "a; python_version >= '3' --index-url x",
    "a; os.system('x')",
    "./dist/x -r y/datasette_foo-0.1-py3-none-any.whl",
    "./${HOME}/datasette_foo-0.1-py3-none-any.whl",
    "-e ./dist/datasette_foo-0.1-py3-none-any.whl",
  ]) {
    refusal(
      bad,
      /^--install ".*" is (not a package name|a path an installer would misread)/s,
      /--install datasette-cluster-map|Move or rename/,
    );
  }
});

test("a wheel's URL needs a name, https and a wheel: other URLs are refused with a hint to build a wheel", () => {
  refusal("https://example.com/datasette_foo-0.1-py3-none-any.whl", /is a URL without a package name/, /--install 'NAME @ https:/);
  refusal("foo @ http://example.com/foo-0.1-py3-none-any.whl", /is not NAME @ an https URL of a wheel/, /pip wheel --no-deps/);
  refusal("foo @ git+https://github.com/x/foo", /is not NAME @ an https URL of a wheel/, /pip wheel --no-deps/);
  refusal("foo @ https://example.com/foo-0.1.tar.gz", /is not NAME @ an https URL of a wheel/, /pip wheel --no-deps/);
  refusal("foo @ file:///tmp/foo-0.1-py3-none-any.whl", /is not NAME @ an https URL of a wheel/, /pip wheel --no-deps/);
});

test("source directories and archives cannot be installed for another platform: the hint builds a wheel", () => {
  for (const source of [".", "./my-plugin", "../plugins/foo", "/abs/foo", "dist/foo-0.1.tar.gz", "foo-0.1.zip"]) {
    refusal(
      source,
      /is a source directory or archive: the layer takes only wheels/,
      new RegExp(`pip wheel --no-deps ${source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} -w dist`),
    );
  }
  refusal("./dist/not-a-wheel.whl", /is not a wheel's file name/, /datasette_foo-0\.1-py3-none-any\.whl/);
});

test("the --install packages an installer's error names, whatever its - _ . spelling", () => {
  assert.equal(projectName("Datasette_Cluster.Map[x]>=1"), "datasette-cluster-map");
  const uv =
    "  × No solution found when resolving dependencies:\n" +
    "  ╰─▶ Because datasette-no-such-plugin was not found in the package registry and you require datasette-no-such-plugin, " +
    "we can conclude that your requirements are unsatisfiable.";
  assert.deepEqual(namedPackages(uv, ["datasette-cluster-map", "datasette_no_such_plugin==1.0"]), ["datasette_no_such_plugin==1.0"]);
  // A longer name containing another is not a match for it.
  assert.deepEqual(namedPackages("Because datasette-cluster-map-extra has no wheels", ["datasette-cluster-map"]), []);
});

test("wheels, URLs and markers are named by their project, or their wheel's file name", () => {
  assert.equal(projectName(WHEEL), "datasette-foo");
  assert.equal(projectName("/abs/Datasette.Foo-0.1-py3-none-any.whl"), "datasette-foo");
  assert.equal(projectName(URL_REQUIREMENT), "datasette-foo");
  assert.equal(projectName("datasette-foo@https://example.com/x-1-py3-none-any.whl"), "datasette-foo");
  assert.equal(projectName('six; python_version >= "3.12"'), "six");
  // uv on a wheel for another platform names only the file.
  const incompatible =
    "error: Failed to determine installation plan\n" +
    "  cause: A path (datasette_foo-0.1-cp313-cp313-macosx_11_0_arm64.whl) dependency is incompatible with the current platform";
  const local = "./dist/datasette_foo-0.1-cp313-cp313-macosx_11_0_arm64.whl";
  assert.deepEqual(namedPackages(incompatible, ["datasette-cluster-map", local]), [local]);
  const fetch =
    "error: Failed to fetch: https://example.com/files/datasette_foo-0.1-py3-none-any.whl\n" +
    "  cause: HTTP status client error (404 Not Found)";
  assert.deepEqual(namedPackages(fetch, [URL_REQUIREMENT, "six"]), [URL_REQUIREMENT]);
  assert.deepEqual(namedPackages("Because six==9 has no wheels", ['six==9; python_version >= "3.12"']), [
    'six==9; python_version >= "3.12"',
  ]);
});
