"""live/manifest.json as the stub reads it: entries normalised, every bad field named."""

import copy
import json
import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.contract.live_manifest import LiveManifestError, parse_live_manifest

SHA = "c" * 64
GOOD = {
    "format": 1,
    "databases": {
        "sales": {
            "key": f"live/db/{SHA}/sales.db",
            "sha256": SHA,
            "bytes": 4096,
            "tables": {"sales": {"count": 3}, "empty": {"count": 0}},
            "dataAsOf": "2026-12-01T10:00:00Z",
            "source": "sales.csv",
            "publishedAt": "2026-12-01T10:00:05Z",
        },
        "a-first_one": {
            "key": "live/db/x/a-first_one.db",
            "sha256": "d" * 64,
            "bytes": 0,
            "publishedAt": "2026-12-02T08:00:00.5+00:00",
        },
    },
    "failed": {"bad.csv": {"reason": "bad.csv:3: no", "at": "2026-12-01T10:00:00Z", "key": "failed/bad.csv"}},
    "newerField": True,
}


def parsed(manifest):
    return parse_live_manifest(json.dumps(manifest).encode("utf-8"))


def changed(name, field, value):
    manifest = copy.deepcopy(GOOD)
    if value is KeyError:
        del manifest["databases"][name][field]
    else:
        manifest["databases"][name][field] = value
    return manifest


class ParseLiveManifest(unittest.TestCase):
    def test_entries_in_name_order_with_what_the_stub_needs(self):
        databases = parsed(GOOD)
        self.assertEqual(list(databases), ["a-first_one", "sales"])
        self.assertEqual(
            databases["sales"],
            {
                "name": "sales",
                "key": f"live/db/{SHA}/sales.db",
                "sha256": SHA,
                "bytes": 4096,
                "fileName": "sales.db",
                "tables": {"sales": 3, "empty": 0},
                "dataAsOf": "2026-12-01T10:00:00Z",
            },
        )

    def test_data_as_of_falls_back_to_the_publish_time_and_tables_are_optional(self):
        entry = parsed(GOOD)["a-first_one"]
        self.assertEqual(entry["dataAsOf"], "2026-12-02T08:00:00Z")
        self.assertIsNone(entry["tables"])
        self.assertIsNone(parsed(changed("a-first_one", "publishedAt", KeyError))["a-first_one"]["dataAsOf"])

    def test_an_empty_or_minimal_manifest(self):
        self.assertEqual(parse_live_manifest(b'{"format": 1}'), {})
        self.assertEqual(parse_live_manifest(b'{"format": 1, "databases": {}}'), {})

    def test_bad_manifests_are_refused_naming_the_field(self):
        renamed = copy.deepcopy(GOOD)
        renamed["databases"]["no/slash"] = renamed["databases"].pop("sales")
        internal = copy.deepcopy(GOOD)
        internal["databases"]["_internal"] = internal["databases"].pop("sales")
        cases = [
            (b"{not json", "is not valid JSON"),
            (b"[]", "must hold a JSON object"),
            (json.dumps(dict(GOOD, format=2)).encode(), "has format 2"),
            (json.dumps(dict(GOOD, databases=[])).encode(), "'databases' must be an object"),
            (renamed, "databases['no/slash']: a name is letters, digits, _ and - only"),
            (internal, "databases['_internal']: _internal is Datasette's own database"),
            (changed("sales", "key", ""), "databases['sales'].key must be a non-empty string"),
            (changed("sales", "sha256", "C" * 64), "databases['sales'].sha256"),
            (changed("sales", "sha256", KeyError), "databases['sales'].sha256"),
            (changed("sales", "bytes", -1), "databases['sales'].bytes"),
            (changed("sales", "bytes", "12"), "databases['sales'].bytes"),
            (changed("sales", "tables", []), "databases['sales'].tables must be an object"),
            (changed("sales", "tables", {"t": {"count": -2}}), "databases['sales'].tables['t'].count"),
            (changed("sales", "dataAsOf", "yesterday"), "databases['sales'].dataAsOf must be an ISO 8601 UTC"),
            (changed("sales", "publishedAt", "2026-12-01T10:00:00+01:00"), "databases['sales'].publishedAt"),
        ]
        for manifest, message in cases:
            with self.subTest(message=message):
                body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
                with self.assertRaises(LiveManifestError) as caught:
                    parse_live_manifest(body)
                self.assertIn(message, str(caught.exception))
                self.assertIn("live/manifest.json", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
