// update-stack's flags as commander hands them over, before any check. Both
// plan.ts (which checks them) and extra-options.ts (which adds the ones
// --extra-options spells) take this shape.
import type { SharedOptions } from "../shared-options.ts";
import type { MetadataFlags } from "./metadata-flags.ts";

/** What commander hands the update-stack action. */
export interface UpdateStackOptions extends SharedOptions, MetadataFlags {
  cors?: boolean;
  prefix?: string;
  metadata?: string;
  config?: string[];
  /** --setting NAME VALUE, repeatable: [name, value] pairs. */
  setting?: string[][];
  crossdb?: boolean;
  versionNote?: string;
  /** --secret: never in the plan, the package or any output; sent as a NoEcho parameter. */
  secret?: string;
  pluginsDir?: string;
  templateDir?: string;
  /** --static MOUNT:DIR, repeatable. */
  static?: string[];
  /** --install PKG, repeatable. */
  install?: string[];
  /** --plugin-secret PLUGIN KEY VALUE, repeatable. */
  pluginSecret?: string[][];
  external?: boolean;
  domain?: string;
  runtime?: string;
  arch?: string;
  memory?: number;
  timeout?: number;
  /** commander's --no-cdn: false when given. */
  cdn?: boolean;
  snapstart?: boolean;
  /** --max-instances N: the site function's reserved concurrency; 0 or absent: none. */
  maxInstances?: number;
  dryRun?: boolean;
  out?: string;
  /** Every data file becomes a table of this one database. */
  into?: string;
  /** Primary key column of the converted tables. */
  pk?: string;
  /** ISO 8601: overrides every database's "data as of". */
  dataAsOf?: string;
  /** `datasette serve` options, as `datasette publish --extra-options` takes them: translated by withExtraOptions. */
  extraOptions?: string;
}
