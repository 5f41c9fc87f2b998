"""live/manifest.json as the runtime reads it: entries normalised for serving, a bad entry
skipped with its reason, a document that is not one refused whole naming why. (Which entries
are skipped, and the words, are the contract's golden examples: test_contract.py.)"""

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


def parsed(manifest, deployed=()):
    return parse_live_manifest(json.dumps(manifest).encode("utf-8"), deployed)


def changed(name, field, value):
    manifest = copy.deepcopy(GOOD)
    if value is KeyError:
        del manifest["databases"][name][field]
    else:
        manifest["databases"][name][field] = value
    return manifest


class ParseLiveManifest(unittest.TestCase):
    def test_entries_in_name_order_with_what_the_runtime_needs(self):
        databases, problems = parsed(GOOD)
        self.assertEqual(problems, [])
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
        entry = parsed(GOOD)[0]["a-first_one"]
        self.assertEqual(entry["dataAsOf"], "2026-12-02T08:00:00Z")
        self.assertIsNone(entry["tables"])
        self.assertIsNone(parsed(changed("a-first_one", "publishedAt", KeyError))[0]["a-first_one"]["dataAsOf"])

    def test_whole_numbers_written_as_floats_are_read_as_integers(self):
        databases, _ = parsed(changed("sales", "bytes", 4096.0))
        self.assertEqual((databases["sales"]["bytes"], type(databases["sales"]["bytes"])), (4096, int))

    def test_a_bad_entry_is_skipped_with_its_reason_and_the_others_served(self):
        manifest = changed("sales", "sha256", KeyError)
        manifest["databases"]["_internal"] = copy.deepcopy(GOOD["databases"]["a-first_one"])
        databases, problems = parsed(manifest)
        self.assertEqual(list(databases), ["a-first_one"])
        self.assertEqual(
            problems,
            [
                ("_internal", 'the database name "_internal" is Datasette\'s own database'),
                ("sales", "its sha256 is not 64 lower-case hex digits"),
            ],
        )

    def test_a_live_name_may_replace_a_deployed_one_but_not_shadow_it_in_other_letters(self):
        self.assertEqual(list(parsed(GOOD, deployed=["sales"])[0]), ["a-first_one", "sales"])
        databases, problems = parsed(GOOD, deployed=["Sales"])
        self.assertEqual(list(databases), ["a-first_one"])
        self.assertEqual([name for name, _ in problems], ["sales"])

    def test_a_document_that_is_not_a_manifest_is_refused_whole_naming_why(self):
        cases = [
            (b"{not json", "is not valid JSON"),
            (b'{"format": 1, "databases": {"x": {"bytes": NaN}}, "failed": {}}', "is not valid JSON"),
            (b"[]", "must hold a JSON object"),
            (json.dumps(dict(GOOD, format=2)).encode(), "has format 2"),
            (json.dumps(dict(GOOD, format=True)).encode(), "has format True"),
            (json.dumps(dict(GOOD, databases=[])).encode(), "'databases' must be an object"),
            (json.dumps({"format": 1, "databases": {}}).encode(), "'failed' must be an object"),
        ]
        for body, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(LiveManifestError) as caught:
                    parse_live_manifest(body)
                self.assertIn(message, str(caught.exception))
                self.assertIn("live/manifest.json", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
