import assert from "node:assert/strict";
import { test } from "node:test";
import { distributionName, packageSizes, recordPaths } from "../../src/artifacts/layer-packages.ts";

test("a dist-info directory names its distribution as pip does", () => {
  assert.equal(distributionName("PyYAML-6.0.2.dist-info"), "pyyaml");
  assert.equal(distributionName("sqlite_utils-3.38.dist-info"), "sqlite-utils");
  assert.equal(distributionName("datasette-0.65.5.dist-info"), "datasette");
});

test("RECORD's first column is the path, quoted when it holds a comma", () => {
  const record = ["yaml/__init__.py,sha256=abc,12063", '"odd,name/x.py",sha256=def,10', "pyyaml-6.0.4.dist-info/RECORD,,", ""].join("\n");
  assert.deepEqual(recordPaths(record), ["yaml/__init__.py", "odd,name/x.py", "pyyaml-6.0.4.dist-info/RECORD"]);
});

test("files are summed per distribution from RECORD, biggest first", () => {
  const owners = new Map([
    ["yaml/__init__.py", "pyyaml"],
    ["_yaml/__init__.py", "pyyaml"],
    ["pyyaml-6.0.4.dist-info/METADATA", "pyyaml"],
    ["numpy/core.so", "numpy"],
    ["numpy.libs/libopenblas.so", "numpy"],
    ["typing_extensions.py", "typing-extensions"],
  ]);
  const sizes = packageSizes(
    [
      { path: "yaml/__init__.py", bytes: 10 },
      { path: "_yaml/__init__.py", bytes: 5 },
      { path: "pyyaml-6.0.4.dist-info/METADATA", bytes: 1 },
      { path: "numpy/core.so", bytes: 300 },
      { path: "numpy.libs/libopenblas.so", bytes: 200 },
      // Compiled after install, so in no RECORD: its source's, or its directory's, distribution.
      { path: "yaml/__pycache__/__init__.cpython-313.pyc", bytes: 20 },
      { path: "numpy/__pycache__/core_helpers.cpython-313.pyc", bytes: 7 },
      { path: "__pycache__/typing_extensions.cpython-313.pyc", bytes: 40 },
      { path: "typing_extensions.py", bytes: 30 },
    ],
    owners,
  );
  assert.deepEqual(sizes, [
    { name: "numpy", bytes: 507 },
    { name: "typing-extensions", bytes: 70 },
    { name: "pyyaml", bytes: 36 },
  ]);
});

test("a namespace directory shared by distributions splits below it", () => {
  const owners = new Map([
    ["google/protobuf/__init__.py", "protobuf"],
    ["google/api/http.py", "googleapis-common-protos"],
  ]);
  const sizes = packageSizes(
    [
      { path: "google/protobuf/__init__.py", bytes: 10 },
      { path: "google/protobuf/internal/_x.so", bytes: 100 },
      { path: "google/api/http.py", bytes: 5 },
      { path: "google/api/__pycache__/http.cpython-313.pyc", bytes: 6 },
    ],
    owners,
  );
  assert.deepEqual(sizes, [
    { name: "protobuf", bytes: 110 },
    { name: "googleapis-common-protos", bytes: 11 },
  ]);
});

test("without RECORD, files go by top-level name, the dist-info and .libs with their package", () => {
  const sizes = packageSizes([
    { path: "datasette/app.py", bytes: 100 },
    { path: "datasette-0.65.5.dist-info/METADATA", bytes: 10 },
    { path: "Pillow.libs/libjpeg.so", bytes: 50 },
    { path: "click_default_group.py", bytes: 3 },
    { path: "__pycache__/click_default_group.cpython-313.pyc", bytes: 4 },
    { path: "datasette_lambda_templates/index.json", bytes: 7 },
    { path: ".lock", bytes: 0 },
  ]);
  assert.deepEqual(sizes, [
    { name: "datasette", bytes: 110 },
    { name: "pillow", bytes: 50 },
    { name: "click-default-group", bytes: 7 },
    { name: "datasette-lambda-templates", bytes: 7 },
    { name: ".lock", bytes: 0 },
  ]);
});
