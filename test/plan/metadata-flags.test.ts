import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeMetadata, metadataFromFlags } from "../../src/plan/metadata-flags.ts";

test("only the metadata flags given are taken, under Datasette's key names", () => {
  assert.deepEqual(metadataFromFlags({}), {});
  assert.deepEqual(metadataFromFlags({ title: "T", license_url: "https://l", about: "A" }), {
    title: "T",
    license_url: "https://l",
    about: "A",
  });
});

test("a flag wins over the file's top-level key; the file's other keys stay", () => {
  const file = { title: "From file", source: "File source", databases: { db: { title: "DB" } } };
  assert.deepEqual(mergeMetadata(file, metadataFromFlags({ title: "From flag" })), {
    title: "From flag",
    source: "File source",
    databases: { db: { title: "DB" } },
  });
  assert.equal(file.title, "From file", "the file's object is not changed");
});

test("objects merge key by key (plugins of the file and of --plugin-secret)", () => {
  const merged = mergeMetadata({ plugins: { a: { x: 1 }, b: { y: 2 } } }, { plugins: { a: { secret: { $env: "A_SECRET" } } } });
  assert.deepEqual(merged, { plugins: { a: { x: 1, secret: { $env: "A_SECRET" } }, b: { y: 2 } } });
});
