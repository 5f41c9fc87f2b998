"""The site's conversion settings: update-stack's --fts and --encoding, kept with the site.

update-stack writes them as the app stack's ConvertSettings parameter, which becomes the
converter function's DATASETTE_LAMBDA_CONVERT_SETTINGS (templates/app.yaml); push reads the
same parameter back (src/plan/convert-settings.ts). So files put into incoming/ and
scheduled imports are converted as the site's own data files were:

    {"fts": ["title", "body"], "encoding": "cp1252"}

Both keys are optional ({} is no setting); unknown keys are ignored, so an older converter
reads a newer site's settings. Golden examples both sides test against:
contract/schemas/convert-settings.examples.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SETTINGS_VARIABLE = "DATASETTE_LAMBDA_CONVERT_SETTINGS"


class ConvertSettingsError(ValueError):
    """The settings are not what update-stack writes; the message names the bad field."""


@dataclass(frozen=True)
class ConvertSettings:
    fts: tuple[str, ...] = ()
    encoding: str | None = None


def parse_convert_settings(text: str | None) -> ConvertSettings:
    """The settings in `text` (absent or empty: none)."""
    if not text:
        return ConvertSettings()
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise ConvertSettingsError(f"{SETTINGS_VARIABLE} is not JSON ({e})") from None
    if not isinstance(raw, dict):
        raise ConvertSettingsError(f"{SETTINGS_VARIABLE} must hold a JSON object")
    fts = raw.get("fts", [])
    if not isinstance(fts, list) or not all(isinstance(c, str) and c.strip() for c in fts):
        raise ConvertSettingsError(f"{SETTINGS_VARIABLE}: fts must be a list of column names")
    encoding = raw.get("encoding")
    if encoding is not None and (not isinstance(encoding, str) or not encoding.strip()):
        raise ConvertSettingsError(f"{SETTINGS_VARIABLE}: encoding must be an encoding's name")
    return ConvertSettings(tuple(fts), encoding)
