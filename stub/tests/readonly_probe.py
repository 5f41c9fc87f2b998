"""Run in a child process that cannot write to the task root: serve a WAL database from it.

Usage: readonly_probe.py CODE_DIR TASK_ROOT [LAYER_DIR]; prints one JSON object.
"""

import json
import os
import sqlite3
import sys


def main(code_dir, task_root, layer_dir=None):
    if layer_dir:
        sys.path.insert(0, os.path.join(layer_dir, "python"))
    sys.path.insert(0, code_dir)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ["LAMBDA_TASK_ROOT"] = task_root
    os.environ["DATASETTE_SECRET"] = "readonly-probe"
    db_file = os.path.join(task_root, "databases", "fixtures.db")
    report = {}

    try:
        with open(os.path.join(task_root, "databases", "probe"), "w"):
            pass
        report["task_root_writable"] = True
    except OSError:
        report["task_root_writable"] = False

    try:  # what Datasette would do with a mutable database: read-only, not immutable
        sqlite3.connect(f"file:{db_file}?mode=ro", uri=True).execute("select count(*) from items").fetchone()
        report["mode_ro"] = "ok"
    except sqlite3.Error as e:
        report["mode_ro"] = f"error: {e}"

    from datasette_lambda import handler
    from lambda_events import make_event, response_body

    response = handler.handler(make_event("GET", "/fixtures/items.json", "_shape=array"), None)
    report["status"] = response["statusCode"]
    if response["statusCode"] == 200:
        report["rows"] = len(json.loads(response_body(response)))
    report["files_after"] = sorted(os.listdir(os.path.join(task_root, "databases")))
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
