// Datasette 0.65's settings (datasette.app.SETTINGS), for validating --config.
// Kept in step with the datasette version pinned in stub/requirements.txt.

export interface SettingSpec {
  type: "integer" | "boolean" | "string";
  default: number | boolean | string;
}

const integer = (value: number): SettingSpec => ({ type: "integer", default: value });
const boolean = (value: boolean): SettingSpec => ({ type: "boolean", default: value });

export const DATASETTE_SETTINGS: Record<string, SettingSpec> = {
  default_page_size: integer(100),
  max_returned_rows: integer(1000),
  num_sql_threads: integer(3),
  sql_time_limit_ms: integer(1000),
  default_facet_size: integer(30),
  facet_time_limit_ms: integer(200),
  facet_suggest_time_limit_ms: integer(50),
  allow_facet: boolean(true),
  default_allow_sql: boolean(true),
  allow_download: boolean(true),
  suggest_facets: boolean(true),
  default_cache_ttl: integer(5),
  cache_size_kb: integer(0),
  allow_csv_stream: boolean(true),
  max_csv_mb: integer(100),
  truncate_cells_html: integer(2048),
  force_https_urls: boolean(false),
  template_debug: boolean(false),
  trace_debug: boolean(false),
  base_url: { type: "string", default: "/" },
};
