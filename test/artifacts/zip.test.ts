import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { writeZip } from "../../src/artifacts/zip.ts";
import { tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();

test("the same files give the same zip, whatever their order, times, modes or time zone", async () => {
  const a = join(dir, "a.txt");
  const b = join(dir, "b.bin");
  writeFileSync(a, "hello\n".repeat(1000));
  writeFileSync(b, Buffer.alloc(50_000, 7));
  const first = await writeZip(
    [
      { name: "x/a.txt", source: a },
      { name: "b.bin", source: b },
      { name: "m.json", source: Buffer.from("{}") },
    ],
    join(dir, "1.zip"),
  );

  utimesSync(a, new Date(2020, 1, 1), new Date(2020, 1, 1));
  chmodSync(b, 0o755);
  const second = await writeZip(
    [
      { name: "m.json", source: Buffer.from("{}") },
      { name: "b.bin", source: b },
      { name: "x/a.txt", source: a },
    ],
    join(dir, "2.zip"),
  );
  assert.equal(second.sha256, first.sha256);
  assert.equal(
    first.sha256,
    createHash("sha256")
      .update(readFileSync(join(dir, "1.zip")))
      .digest("hex"),
  );
  assert.equal(first.bytes, readFileSync(join(dir, "1.zip")).length);
  assert.equal(first.unzippedBytes, 6000 + 50_000 + 2);

  // A different TZ in another process must not change the bytes (DOS times are local).
  const entries = [
    `{ name: "m.json", source: Buffer.from("{}") }`,
    `{ name: "b.bin", source: ${JSON.stringify(b)} }`,
    `{ name: "x/a.txt", source: ${JSON.stringify(a)} }`,
  ].join(", ");
  const script = `import { writeZip } from ${JSON.stringify(new URL("../../src/artifacts/zip.ts", import.meta.url).href)};
const r = await writeZip([${entries}], ${JSON.stringify(join(dir, "3.zip"))});
console.log(r.sha256);`;
  const other = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, TZ: "Pacific/Kiritimati" },
  })
    .toString()
    .trim();
  assert.equal(other, first.sha256);

  const changed = await writeZip(
    [
      { name: "m.json", source: Buffer.from("{ }") },
      { name: "b.bin", source: b },
      { name: "x/a.txt", source: a },
    ],
    join(dir, "4.zip"),
  );
  assert.notEqual(changed.sha256, first.sha256);
});

test("the zip is readable by unzip with sorted entries and plain modes", async () => {
  const a = join(dir, "z.txt");
  writeFileSync(a, "z");
  await writeZip(
    [
      { name: "z.txt", source: a },
      { name: "dir/a.txt", source: Buffer.from("a") },
    ],
    join(dir, "5.zip"),
  );
  const listing = execFileSync("unzip", ["-Z", "-l", join(dir, "5.zip")]).toString();
  const names = listing
    .split("\n")
    .filter((line) => /^-rw/.test(line))
    .map((line) => line.trim().split(/\s+/).at(-1));
  assert.deepEqual(names, ["dir/a.txt", "z.txt"]);
  assert.match(listing, /-rw-r--r--/);
  assert.match(listing, /00-Jan-01 00:00/);
});
