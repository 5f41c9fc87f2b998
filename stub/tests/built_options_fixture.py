"""The fixture of test_built_options.py: a site published with every datasette publish option.

Run as a script, it writes two databases, a plugins directory, a template directory
and a static directory into OUTDIR and prints (JSON) the update-stack arguments that
publish them (FIXTURES.md):

    python stub/tests/built_options_fixture.py OUTDIR [--prefix x]
"""

import json
import os
import sqlite3
import sys

TITLE = "Published With Every Option"
VERSION_NOTE = "built-options-note"
PAGE_SIZE = 7
PLUGIN_SECRET = "plugin-secret-value-7f3a91c2"
FOOTER = "Footer from the built template dir"
STYLE = "body { color: rebeccapurple }"

PLUGIN_SOURCE = """
from datasette import hookimpl
from datasette.utils.asgi import Response


@hookimpl
def register_routes():
    async def show(datasette):
        return Response.json({"config": datasette.plugin_config("built-dir-plugin") or {}})
    return [(r"^/-/built-dir-plugin$", show)]
"""


def write_fixture(outdir, prefix=None):
    """The files and the update-stack arguments that publish them (list of strings)."""
    os.makedirs(outdir, exist_ok=True)
    for name, rows in (("left", [(1, "a"), (2, "b")]), ("right", [(1, "x"), (3, "z")])):
        path = os.path.join(outdir, f"{name}.db")
        if os.path.exists(path):
            os.remove(path)
        with sqlite3.connect(path) as conn:
            conn.execute("create table items (id integer primary key, name text)")
            conn.executemany("insert into items values (?, ?)", rows)
        conn.close()
    files = {
        "plugins/built_dir_plugin.py": PLUGIN_SOURCE,
        "templates/_footer.html": f"<p>{FOOTER}</p>",
        "static/style.css": STYLE,
    }
    for name, text in files.items():
        path = os.path.join(outdir, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    args = [
        os.path.join(outdir, "left.db"),
        os.path.join(outdir, "right.db"),
        "--title",
        TITLE,
        "--setting",
        "default_page_size",
        str(PAGE_SIZE),
        "--crossdb",
        "--version-note",
        VERSION_NOTE,
        "--plugins-dir",
        os.path.join(outdir, "plugins"),
        "--template-dir",
        os.path.join(outdir, "templates"),
        "--static",
        "assets:" + os.path.join(outdir, "static"),
        "--plugin-secret",
        "built-dir-plugin",
        "token",
        PLUGIN_SECRET,
    ]
    if prefix:
        args += ["--prefix", prefix]
    return args


# The variable datasette publish (and so the CLI) names for --plugin-secret built-dir-plugin token.
SECRET_VARIABLE = "BUILT_DIR_PLUGIN_TOKEN"


if __name__ == "__main__":
    outdir = sys.argv[1]
    prefix = sys.argv[sys.argv.index("--prefix") + 1] if "--prefix" in sys.argv else None
    print(json.dumps(write_fixture(outdir, prefix)))
