// What a release must agree on before anything is built or published; the
// release workflow runs this first:
//   node .github/release-check.ts vX.Y.Z https://github.com/OWNER/REPO
// - One version: package.json (the npm package), plugin/pyproject.toml (the
//   plugin, which runs the CLI of its own version) and the newest release in
//   CHANGELOG.md carry the same one, and the tag is v + that version.
// - package.json's repository, when it names one, is the repository the
//   workflow runs in: npm refuses a package published with provenance
//   otherwise (E422), and would do so only at the very end. When it names
//   none, the npm job fills in the workflow's own before publishing:
//   node .github/release-check.ts --name-repository https://github.com/OWNER/REPO
// Without arguments it only checks the three versions agree.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface VersionSource {
  file: string;
  version: string | null;
}

/** `version = "..."` of pyproject.toml's [project] table. */
export function pyprojectVersion(text: string): string | null {
  const project = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? "";
  return /^version\s*=\s*"([^"]+)"\s*$/m.exec(project)?.[1] ?? null;
}

/** The newest released version of a Keep a Changelog file: "## [X.Y.Z] - YYYY-MM-DD" (Unreleased skipped). */
export function changelogVersion(text: string): string | null {
  return /^## \[(\d+\.\d+\.\d+[^\]]*)\] - \d{4}-\d{2}-\d{2}\s*$/m.exec(text)?.[1] ?? null;
}

/** The version each of the three files carries. */
export function readVersions(root: string): VersionSource[] {
  const read = (file: string) => readFileSync(join(root, file), "utf8");
  return [
    { file: "package.json", version: (JSON.parse(read("package.json")) as { version?: string }).version ?? null },
    { file: "plugin/pyproject.toml", version: pyprojectVersion(read("plugin/pyproject.toml")) },
    { file: "CHANGELOG.md", version: changelogVersion(read("CHANGELOG.md")) },
  ];
}

/** One line saying what disagrees and what to do, or null when all agree (with the tag, if given). Pure. */
export function versionProblem(sources: VersionSource[], tag?: string): string | null {
  const listed = sources.map((source) => `${source.file} ${source.version ?? "(none found)"}`).join(", ");
  const versions = new Set(sources.map((source) => source.version));
  if (versions.size !== 1 || versions.has(null)) {
    return `versions differ: ${listed}: give all three the version being released (docs/CONTRIBUTING.md, "Releasing")`;
  }
  const version = sources[0]!.version!;
  if (tag !== undefined && tag !== `v${version}`) {
    const files = sources.map((source) => source.file).join(", ");
    return `tag ${tag} does not name the version ${version} of ${files}: tag v${version}, or bump the files first`;
  }
  return null;
}

/** package.json's repository as an https URL: "git+https://…/x.git", "github:o/r" and {url} forms. */
export function repositoryUrl(repository: unknown): string | null {
  const given = typeof repository === "string" ? repository : (repository as { url?: unknown } | undefined)?.url;
  if (typeof given !== "string" || given === "") return null;
  const url = given
    .replace(/^github:/, "https://github.com/")
    .replace(/^git\+/, "")
    .replace(/\.git$/, "")
    .replace(/\/$/, "");
  return /^[\w.-]+\/[\w.-]+$/.test(url) ? `https://github.com/${url}` : url;
}

/** One line when package.json names a repository other than the one the workflow runs in, else null. Pure. */
export function repositoryProblem(repository: unknown, expected: string): string | null {
  if (repository === undefined) return null; // the npm job names the workflow's own (repositoryField)
  const found = repositoryUrl(repository);
  if (found === expected) return null;
  return (
    `package.json's repository is ${found ?? "unreadable"}, ` +
    `and npm refuses a package published with provenance unless it names ${expected}: ` +
    `set "repository": ${JSON.stringify(repositoryField(expected))}`
  );
}

/** package.json's repository field naming the repository at this https URL. Pure. */
export function repositoryField(url: string): { type: string; url: string } {
  return { type: "git", url: `git+${url}.git` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const packagePath = join(root, "package.json");
  if (process.argv[2] === "--name-repository") {
    // The npm job, before publishing: a package.json that names no repository gets this one.
    const packageJson = JSON.parse(readFileSync(packagePath, "utf8")) as Record<string, unknown>;
    if (packageJson.repository === undefined) {
      packageJson.repository = repositoryField(process.argv[3]!);
      writeFileSync(packagePath, `${JSON.stringify(packageJson, null, 2)}\n`);
    }
    process.exit(0);
  }
  const [tag, repository] = process.argv.slice(2);
  const sources = readVersions(root);
  const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { repository?: unknown };
  const problem = versionProblem(sources, tag) ?? (repository === undefined ? null : repositoryProblem(packageJson.repository, repository));
  if (problem) {
    process.stderr.write(`Error: ${problem}\n`);
    process.exit(1);
  }
  process.stdout.write(`${sources[0]!.version}\n`);
}
