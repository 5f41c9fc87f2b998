// update-stack NAME FILES...: build the site, then write it out (--dry-run) or deploy it.
import type { Command } from "commander";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSite } from "../build/build.ts";
import { checkOutDirectory, writeDryRun } from "../build/dry-run.ts";
import { NotImplementedError } from "../errors.ts";
import { checkOptions, type UpdateStackOptions } from "../plan/plan.ts";
import { createOutput } from "../ui/output.ts";

export async function updateStack(name: string, files: string[], options: UpdateStackOptions, _command?: Command): Promise<void> {
  const out = createOutput(options);
  checkOptions(name, options); // fail on bad flags before any slow work
  if (!options.dryRun) {
    throw new NotImplementedError("deploying is not implemented yet", { hint: "Use --dry-run --out DIR to build without deploying." });
  }
  const outDir = options.out ?? "datasette-lambda-out";
  await checkOutDirectory(outDir);
  const workDir = await mkdtemp(join(tmpdir(), "datasette-lambda-"));
  try {
    const build = await buildSite(name, files, options, { out, workDir });
    const summary = await writeDryRun(build, outDir);
    const lines = [
      `Dry run: wrote ${summary.out}`,
      ...summary.artifacts.map((a) => `  ${a.key}  ${(a.bytes / 1024 / 1024).toFixed(1)} MB`),
      ...summary.databases.map((db) => `  database ${db.name}: ${db.inline ? "in the package" : "in S3"}`),
    ];
    out.result(lines.join("\n"), summary);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
