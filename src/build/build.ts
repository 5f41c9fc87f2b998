// The whole build: flags → checked options → inputs read → layer → plan →
// package → templates and parameters. Shared by --dry-run and a real deploy;
// it calls no AWS API.
import { UserError } from "../errors.ts";
import { inspectDatabases } from "../inputs/databases.ts";
import { readMetadata } from "../inputs/metadata.ts";
import { appStackParameters } from "../plan/app-parameters.ts";
import { TEMPLATE_BODY_BYTES } from "../plan/limits.ts";
import { checkPackageLimits } from "../plan/placement.ts";
import { checkOptions, createPlan, planWarnings, type UpdateStackOptions } from "../plan/plan.ts";
import type { Artifact, BuildResult } from "../plan/types.ts";
import { readTemplates } from "../templates.ts";
import type { Output } from "../ui/output.ts";
import { buildLayer, cacheDirectory } from "./layer.ts";
import { readStubRequirements, stubBytes } from "./package.ts";
import { cachedPackage } from "./package-cache.ts";

export interface BuildDeps {
  out: Output;
  env?: NodeJS.ProcessEnv;
}

export function checkTemplateSize(name: string, body: string): void {
  const bytes = Buffer.byteLength(body);
  if (bytes > TEMPLATE_BODY_BYTES) {
    throw new UserError(`templates/${name}.yaml is ${bytes} bytes, over CloudFormation's ${TEMPLATE_BODY_BYTES}-byte TemplateBody limit`, {
      hint: "Shorten the template (this is a bug in datasette-lambda; please report it).",
    });
  }
}

export async function buildSite(name: string, files: string[], options: UpdateStackOptions, deps: BuildDeps): Promise<BuildResult> {
  const { out } = deps;
  const env = deps.env ?? process.env;
  const checked = checkOptions(name, options);
  if (files.length === 0) {
    throw new UserError("update-stack needs at least one database file", {
      hint: `e.g. datasette-lambda update-stack ${name} data.db`,
    });
  }
  const metadata = await readMetadata(options.metadata);
  const databases = await out.task(`Checking ${files.length} database${files.length === 1 ? "" : "s"}`, () => inspectDatabases(files));
  const requirements = await readStubRequirements();

  const layer = await out.task(`Building the dependency layer (Python ${checked.pythonVersion}, ${checked.arch})`, (update) =>
    buildLayer({ requirements, pythonVersion: checked.pythonVersion, arch: checked.arch }, { env, log: update, warn: out.warn }),
  );
  out.debug(`layer ${layer.sha256.slice(0, 12)}: ${layer.bytes} bytes zipped, ${layer.unzippedBytes} unzipped${layer.fromCache ? " (cached)" : ""}`);

  const plan = createPlan({ options: checked, databases, metadata, requirements, layerBytes: layer.unzippedBytes, stubBytes: await stubBytes() });
  for (const warning of planWarnings(plan)) out.warn(warning);
  for (const db of plan.databases) out.debug(`database ${db.name}: ${db.location}${db.key ? ` (${db.key})` : ""}`);
  if (plan.settings.suggest_facets === false && !("suggest_facets" in checked.settings)) {
    out.info("Facet suggestions are off: a table has over 100,000 rows (turn on with --config suggest_facets:on).");
  }

  const pkg = await out.task("Packaging the site", () =>
    cachedPackage({ plan, python: layer.python, compiledWith: layer.compiledWith, cacheDir: cacheDirectory(env) }),
  );
  out.debug(`package ${pkg.sha256.slice(0, 12)}: ${pkg.bytes} bytes zipped${pkg.fromCache ? " (cached)" : ""}`);
  checkPackageLimits({ packageUnzippedBytes: pkg.unzippedBytes, layerUnzippedBytes: layer.unzippedBytes });

  const packageKey = `package/${pkg.sha256}.zip`;
  const layerKey = `layer/${layer.sha256}.zip`;
  const artifacts: Artifact[] = [
    { key: packageKey, path: pkg.path, bytes: pkg.bytes, sha256: pkg.sha256 },
    { key: layerKey, path: layer.path, bytes: layer.bytes, sha256: layer.sha256 },
    // Every database copy: S3 ones are served from there, inline ones are downloads.
    ...plan.databases.flatMap((db) => (db.key ? [{ key: db.key, path: db.path, bytes: db.bytes, sha256: db.sha256 }] : [])),
  ];
  const appParameters = appStackParameters(plan, { packageKey, layerKey });
  const templates = await readTemplates();
  for (const [templateName, body] of Object.entries(templates)) checkTemplateSize(templateName, body);
  return { plan, artifacts, prereqTemplate: templates.prereq, appTemplate: templates.app, appParameters };
}
