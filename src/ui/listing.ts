// How `ls` reads as text: a table of what is served, what the site cannot
// serve (entries of the live manifest no instance reads, live databases too big
// for its /tmp), then the failed files, then the files still waiting in incoming/.
import type { ListedDatabase, Listing } from "../live/listing.ts";
import { appStackName } from "../plan/stack-names.ts";
import { formatBytes } from "./progress.ts";

/** "2026-12-01T10:00:05Z" -> "2026-12-01 10:00 UTC". */
export function formatTime(iso: string | null): string {
  if (!iso) return "-";
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** "sales (1,203), regions (12), +2 more". */
export function formatTables(tables: Record<string, { count: number }>, shown = 3): string {
  const entries = Object.entries(tables).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return "no tables";
  const listed = entries.slice(0, shown).map(([name, { count }]) => `${name} (${count.toLocaleString("en-US")})`);
  return entries.length > shown ? `${listed.join(", ")}, +${entries.length - shown} more` : listed.join(", ");
}

function kind(db: ListedDatabase): string {
  if (!db.live) return "deployed";
  if (db.problem !== null) return "live, not served";
  return db.replacesDeployed ? "live, replaces deployed" : "live";
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd(),
  );
}

export function renderListing(listing: Listing): string {
  const lines: string[] = [];
  if (listing.databases.length === 0) {
    lines.push(`${listing.site} serves no databases.`);
  } else {
    lines.push(
      ...table([
        ["DATABASE", "KIND", "SIZE", "DATA AS OF", "TABLES", "SOURCE"],
        ...listing.databases.map((db) => [
          db.name,
          kind(db),
          formatBytes(db.bytes),
          formatTime(db.dataAsOf),
          formatTables(db.tables),
          db.source ?? "-",
        ]),
      ]),
    );
  }
  const unservable = [
    ...listing.unservable,
    ...listing.databases.flatMap((db) => (db.problem !== null ? [{ name: db.name, reason: db.problem }] : [])),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (unservable.length > 0) {
    lines.push("", "Not served (instances keep serving the previous version, if any; rm NAME DB removes an entry):");
    for (const { name, reason } of unservable) lines.push(`  ${name}  ${reason}`);
  }
  if (listing.failed.length > 0) {
    lines.push("", `Failed files (moved to failed/, not served):`);
    for (const failure of listing.failed) lines.push(`  ${failure.source}  ${formatTime(failure.at)}  ${failure.reason}`);
  }
  if (listing.waiting.length > 0) {
    // The converter was cut off (or never invoked): its log may say why; a new upload is a new try.
    const log = `/aws/lambda/${appStackName(listing.site)}-converter`;
    lines.push("", `Not converted (see the log ${log}; put the file into incoming/ again, or push it):`);
    for (const file of listing.waiting) lines.push(`  ${file.key}  waiting since ${formatTime(file.since)}`);
  }
  return lines.join("\n");
}
