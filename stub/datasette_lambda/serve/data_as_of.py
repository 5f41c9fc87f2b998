"""Show when each database's data was last updated: "Data as of <time> UTC".

On the index page (under each database's heading), on the database page (under its
description) and as "data_as_of" in the database's JSON (/NAME.json) and in
/-/databases.json. The time comes from served_databases.py: the package manifest's
dataAsOf for a deployed database, the live manifest's for a live one; a database without
one (a package from before dataAsOf) shows nothing, and the site is byte for byte what it
was.

Installed on one Datasette instance, not as a plugin: a plugin is process-wide and would
be listed in /-/plugins. Datasette 0.65's index page has no hook or block per database, so
its two templates get one line each, inserted after a fixed anchor when the loader reads
Datasette's own copy (a --template-dir override is left as it is; it can call
datasette_lambda_data_as_of(name) itself).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import datasette
import jinja2

from datasette_lambda.contract.timestamps import human_utc

log = logging.getLogger("datasette_lambda")

TEMPLATE_FUNCTION = "datasette_lambda_data_as_of"
DEFAULT_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(datasette.__file__)), "templates")


def _line(name_expression: str) -> str:
    return (
        f"{{% with data_as_of = {TEMPLATE_FUNCTION}({name_expression}) %}}{{% if data_as_of %}}\n"
        '    <p class="data-as-of">Data as of <time datetime="{{ data_as_of.iso }}">'
        "{{ data_as_of.text }}</time> UTC</p>{% endif %}{% endwith %}"
    )


# template -> (anchor in Datasette 0.65.5's copy, what goes right after it)
_INSERTS = {
    "index.html": (
        "</a>{% if database.private %} 🔒{% endif %}</h2>",
        _line("database.name"),
    ),
    "database.html": (
        '{% block description_source_license %}{% include "_description_source_license.html" %}{% endblock %}',
        _line("database"),
    ),
}


def install_data_as_of(ds: Any, data_as_of: Callable[[str], str | None]) -> None:
    """data_as_of(name) -> canonical ISO UTC time or None. Call before ds.app()."""

    def for_template(name: str) -> dict[str, str] | None:
        value = data_as_of(name)
        return {"iso": value, "text": human_utc(value)} if value else None

    ds.jinja_env.globals[TEMPLATE_FUNCTION] = for_template
    ds.jinja_env.loader = _DataAsOfLoader(ds.jinja_env.loader)

    json_renderer, can_render = ds.renderers["json"]

    def database_json(args: Any, data: Any, view_name: str, database: str) -> Any:
        # The database's own JSON, not a query's (/NAME.json?sql=... has rows).
        if view_name == "database" and isinstance(data, dict) and "rows" not in data:
            value = data_as_of(database)
            if value:
                data = dict(data, data_as_of=value)
        return json_renderer(args, data, view_name)

    ds.renderers["json"] = (database_json, can_render)

    connected_databases = ds._connected_databases  # what /-/databases.json lists

    def connected_with_data_as_of() -> list[dict[str, Any]]:
        listed = connected_databases()
        for entry in listed:
            value = data_as_of(entry["name"])
            if value:
                entry["data_as_of"] = value
        return listed

    ds._connected_databases = connected_with_data_as_of


class _DataAsOfLoader(jinja2.BaseLoader):
    def __init__(self, loader: jinja2.BaseLoader) -> None:
        self.loader = loader

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.loader.get_source(environment, template)
        insert = _INSERTS.get(os.path.basename(filename or ""))
        if insert and filename and os.path.dirname(os.path.abspath(filename)) == DEFAULT_TEMPLATES:
            anchor, line = insert
            if anchor in source:
                source = source.replace(anchor, anchor + line, 1)
            else:
                log.warning("datasette-lambda: Datasette's %s has changed: data as of not shown on it", template)
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()
