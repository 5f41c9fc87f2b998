// Deterministic zips: entries sorted by name, one fixed timestamp, fixed
// modes, no extra timestamp fields. The same files give the same sha256 on
// every machine, which is what makes content-addressed S3 keys work.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import yazl from "yazl";

export interface ZipEntry {
  /** Path inside the zip, with forward slashes. */
  name: string;
  /** A file to read, or the bytes themselves. */
  source: string | Buffer;
}

export interface ZipResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Sum of the entries' sizes: what Lambda counts against 250 MB. */
  unzippedBytes: number;
}

// DOS timestamps are in local time; building the date from local fields keeps
// the encoded value the same in every time zone.
const FIXED_TIME = new Date(2000, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

export async function writeZip(entries: ZipEntry[], path: string, options: { compressionLevel?: number } = {}): Promise<ZipResult> {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.name === sorted[i - 1]?.name) throw new Error(`duplicate zip entry ${sorted[i]?.name}`);
  }
  const zip = new yazl.ZipFile();
  const common = {
    mtime: FIXED_TIME,
    mode: FILE_MODE,
    forceDosTimestamp: true,
    compressionLevel: options.compressionLevel ?? 6,
  };
  let unzippedBytes = 0;
  for (const entry of sorted) {
    if (typeof entry.source === "string") {
      unzippedBytes += (await stat(entry.source)).size;
      zip.addFile(entry.source, entry.name, common);
    } else {
      unzippedBytes += entry.source.length;
      zip.addBuffer(entry.source, entry.name, common);
    }
  }
  zip.end();

  const hash = createHash("sha256");
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(zip.outputStream, measure, createWriteStream(path));
  return { path, bytes, sha256: hash.digest("hex"), unzippedBytes };
}

/** Every file under dir as zip entries named prefix + relative path, sorted. */
export async function directoryEntries(dir: string, prefix = ""): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  for (const item of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!item.isFile()) continue;
    const full = join(item.parentPath, item.name);
    entries.push({ name: prefix + relative(dir, full).split(sep).join("/"), source: full });
  }
  return entries;
}
