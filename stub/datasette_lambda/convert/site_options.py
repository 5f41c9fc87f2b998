"""The site's conversion settings (update-stack --fts, --encoding) as the converter's options
for one file: what files put into incoming/ and scheduled imports are converted with.

An SQLite file is published as it is, so it gets none of them; a setting left unset is not
passed at all (convert_files' defaults apply)."""

from __future__ import annotations

from typing import Any

from datasette_lambda.contract.convert_settings import ConvertSettings
from datasette_lambda.convert.formats import SQLITE_HEADER


def options_for(path: str, settings: ConvertSettings, key_names: bool = False) -> dict[str, Any]:
    """convert_files' keyword options for the file at path (key_names: a scheduled import's --into)."""
    with open(path, "rb") as f:
        if f.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
            return {}
    options: dict[str, Any] = {"key_names": True} if key_names else {}
    if settings.fts:
        options["fts"] = list(settings.fts)
    if settings.encoding:
        options["encoding"] = settings.encoding
    return options
