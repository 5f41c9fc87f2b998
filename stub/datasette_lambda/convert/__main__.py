"""The converter's command line, run by the CLI on the deploying machine (src/artifacts/convert.ts):

    python -m datasette_lambda.convert INPUT... --out DB [--table NAME] [--pk COL] [--fts COL]...
        [--encoding NAME] [--key-names] [--json]

Errors: exit code 2 and one line "FILE:LINE: reason" on stderr (with --json,
{"error": {"file", "line", "reason"}} on stdout); nothing is left at DB.
"""

from __future__ import annotations

import argparse
import json
import sys

from datasette_lambda.convert.conversion import convert_files
from datasette_lambda.convert.errors import ConversionError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m datasette_lambda.convert",
        description="Convert data files into one SQLite database (see docs/live-data.md).",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT")
    parser.add_argument("--out", required=True, metavar="DB")
    parser.add_argument("--table", help="put the rows of every input into this one table")
    parser.add_argument("--pk", metavar="COL", help="the primary key column (default: a unique column named id)")
    parser.add_argument(
        "--fts",
        metavar="COL",
        action="append",
        default=[],
        help="make this column searchable in every table that has it (repeatable)",
    )
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="the encoding of text inputs without a byte-order mark, any Python knows (default: UTF-8)",
    )
    parser.add_argument(
        "--key-names",
        action="store_true",
        help="name the tables of a JSON object's keys KEY, not FILE_KEY (the CLI's --into)",
    )
    parser.add_argument("--json", action="store_true", help="print the result (or the error) as JSON on stdout")
    args = parser.parse_args(argv)
    try:
        result = convert_files(
            args.inputs,
            args.out,
            table=args.table,
            pk=args.pk,
            fts=args.fts,
            key_names=args.key_names,
            encoding=args.encoding,
        )
    except ConversionError as e:
        if args.json:
            print(json.dumps({"error": e.to_json()}))
        else:
            print(str(e), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        tables = ", ".join(f"{name} ({t['count']} rows)" for name, t in result["tables"].items())
        print(f"{result['database']}: {tables}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
