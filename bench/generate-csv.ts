// A generated CSV for benchmarks (bench/convert.ts, bench/freshness.ts):
// deterministic content of several types, about the requested size.
import { closeSync, openSync, writeSync } from "node:fs";

/** A CSV of about `megabytes` MB: integers, floats, empty cells, zip codes with leading zeros, quoted commas and newlines. */
export function generateCsv(path: string, megabytes: number): number {
  const fd = openSync(path, "w");
  const cities = ["Lisbon", "Oslo", "Lagos", "Lima", "Osaka", "Perth", "Quito", "Accra"];
  let bytes = 0;
  let rows = 0;
  try {
    bytes += writeSync(fd, "id,name,city,amount,count,zip,note\n");
    while (bytes < megabytes * 1024 * 1024) {
      const lines: string[] = [];
      for (let i = 0; i < 10_000; i++, rows++) {
        const note = rows % 50 === 0 ? `"line one, with a comma\nline two ""quoted"""` : `note ${(rows * 2654435761) % 1_000_003}`;
        const amount = ((rows * 7919) % 100_000) / 100;
        const count = rows % 7 === 0 ? "" : rows % 1000;
        const zip = String(rows % 100_000).padStart(5, "0");
        lines.push(`${rows},person ${rows % 50_000},${cities[rows % cities.length]},${amount},${count},${zip},${note}\n`);
      }
      bytes += writeSync(fd, lines.join(""));
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}
