// The one version of a release. The npm package (package.json), the Datasette
// plugin (plugin/pyproject.toml; it runs the CLI of its own version) and the
// newest release in CHANGELOG.md must carry the same one, and a release tag
// vX.Y.Z must name it. The release workflow runs this before anything else:
//   node .github/release-version.ts v1.2.3
// Without a tag it only checks the three files agree.
import { readFileSync } from "node:fs";
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
    return `tag ${tag} does not name the version ${version} of ${sources.map((source) => source.file).join(", ")}: tag v${version}, or bump the files first`;
  }
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sources = readVersions(fileURLToPath(new URL("..", import.meta.url)));
  const problem = versionProblem(sources, process.argv[2]);
  if (problem) {
    process.stderr.write(`Error: ${problem}\n`);
    process.exit(1);
  }
  process.stdout.write(`${sources[0]!.version}\n`);
}
