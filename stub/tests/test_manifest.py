"""manifest.json validation: each bad field is named."""

import copy
import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.contract.package_manifest import PackageManifestError, load_manifest, validate_manifest

GOOD = {
    "format": 1,
    "databases": [
        {"name": "fixtures", "fileName": "fixtures.db", "sha256": "a" * 64, "bytes": 10, "location": "inline"},
        {
            "name": "big",
            "fileName": "big.db",
            "sha256": "b" * 64,
            "bytes": 99,
            "location": "s3",
            "key": "db/" + "b" * 64 + "/big.db",
        },
    ],
    "inspect": {"fixtures": {"hash": "a" * 64, "size": 10, "file": "fixtures.db", "tables": {"t": {"count": 3}}}},
    "metadata": {"title": "T"},
    "settings": {"base_url": "/x/", "sql_time_limit_ms": 3500},
    "cors": True,
    "prefix": "x",
    "somethingNewer": {"ignored": True},
}


def changed(path, value):
    manifest = copy.deepcopy(GOOD)
    target = manifest
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return manifest


class ValidateManifest(unittest.TestCase):
    def test_good_manifest_is_normalised(self):
        manifest = validate_manifest(copy.deepcopy(GOOD))
        self.assertEqual([d["name"] for d in manifest["databases"]], ["fixtures", "big"])
        self.assertEqual(manifest["databases"][1]["key"], "db/" + "b" * 64 + "/big.db")
        self.assertEqual(manifest["settings"]["base_url"], "/x/")
        self.assertNotIn("somethingNewer", manifest)

    def test_inline_database_key_is_optional(self):
        # Newer packages name the copy uploaded for downloads; older ones have no key.
        self.assertNotIn("key", validate_manifest(copy.deepcopy(GOOD))["databases"][0])
        key = "db/" + "a" * 64 + "/fixtures.db"
        manifest = validate_manifest(changed(("databases", 0, "key"), key))
        self.assertEqual(manifest["databases"][0], dict(GOOD["databases"][0], key=key))

    def test_data_as_of_is_optional_and_canonical(self):
        self.assertNotIn("dataAsOf", validate_manifest(copy.deepcopy(GOOD))["databases"][0])
        for given, kept in (
            ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z"),
            ("2026-12-01T10:00:00.250Z", "2026-12-01T10:00:00Z"),
            ("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00Z"),
        ):
            with self.subTest(given=given):
                manifest = validate_manifest(changed(("databases", 0, "dataAsOf"), given))
                self.assertEqual(manifest["databases"][0]["dataAsOf"], kept)
        for bad in ("yesterday", 12, "2026-13-01T00:00:00Z"):
            with (
                self.subTest(bad=bad),
                self.assertRaisesRegex(PackageManifestError, r"databases\[0\]\.dataAsOf must be an ISO 8601 UTC time"),
            ):
                validate_manifest(changed(("databases", 0, "dataAsOf"), bad))

    def test_prefix_without_base_url_gets_one(self):
        manifest = validate_manifest(changed(("settings",), {}))
        self.assertEqual(manifest["settings"]["base_url"], "/x/")

    def test_nested_prefix(self):
        manifest = validate_manifest(changed(("settings",), {"base_url": "/data/v1/"}) | {"prefix": "/data/v1/"})
        self.assertEqual((manifest["prefix"], manifest["settings"]["base_url"]), ("data/v1", "/data/v1/"))

    def test_no_prefix_and_optional_objects(self):
        raw = {"format": 1, "databases": [], "prefix": None}
        manifest = validate_manifest(raw)
        self.assertEqual((manifest["metadata"], manifest["settings"], manifest["cors"]), ({}, {}, False))
        self.assertEqual((manifest["crossdb"], manifest["versionNote"]), (False, None))
        self.assertEqual((manifest["pluginsDir"], manifest["templateDir"], manifest["staticMounts"]), (None, None, []))

    def test_bad_fields_are_named(self):
        cases = [
            (changed(("format",), 2), "format 2"),
            (changed(("databases",), {}), "'databases' must be a list"),
            (changed(("databases", 0, "name"), ""), "databases[0].name"),
            (changed(("databases", 0, "fileName"), "../etc/passwd"), "databases[0].fileName"),
            (changed(("databases", 0, "fileName"), ".."), "databases[0].fileName"),
            (changed(("databases", 0, "sha256"), "A" * 64), "databases[0].sha256"),
            (changed(("databases", 0, "bytes"), -1), "databases[0].bytes"),
            (changed(("databases", 0, "bytes"), True), "databases[0].bytes"),
            (changed(("databases", 0, "location"), "ftp"), "databases[0].location"),
            (changed(("databases", 1, "key"), KeyError), "databases[1].key is required"),
            (changed(("databases", 0, "key"), ""), "databases[0].key must be a non-empty string"),
            (changed(("databases", 0, "key"), 7), "databases[0].key must be a non-empty string"),
            (changed(("databases", 1, "name"), "fixtures"), "'fixtures' appears twice"),
            (
                changed(("databases", 0, "dataAsOf"), "2026-12-01 10:00:00"),
                "databases[0].dataAsOf must be an ISO 8601 UTC",
            ),
            (changed(("databases", 0, "dataAsOf"), "2026-12-01T10:00:00+02:00"), "databases[0].dataAsOf"),
            (changed(("databases", 0, "dataAsOf"), "2026-02-30T10:00:00Z"), "databases[0].dataAsOf"),
            (changed(("databases", 0, "dataAsOf"), 1764583200), "databases[0].dataAsOf"),
            (changed(("metadata",), []), "'metadata' must be an object"),
            (changed(("cors",), "yes"), "'cors' must be true or false"),
            (changed(("crossdb",), "yes"), "'crossdb' must be true or false"),
            (changed(("versionNote",), 3), "'versionNote' must be a string"),
            (changed(("pluginsDir",), "../plugins"), "'pluginsDir' must be a path inside the package"),
            (changed(("templateDir",), "/abs"), "'templateDir' must be a path inside the package"),
            (changed(("staticMounts",), {}), "'staticMounts' must be a list"),
            (changed(("staticMounts",), [{"mount": "a b", "dir": "site/static/0"}]), "staticMounts[0].mount"),
            (changed(("staticMounts",), [{"mount": "a"}]), "staticMounts[0].dir is required"),
            (changed(("prefix",), "/"), "'prefix' must be null or path segments"),
            (changed(("prefix",), "a b"), "'prefix' must be null or path segments"),
            (changed(("prefix",), "caf\u00e9"), "'prefix' must be null or path segments"),
            (changed(("prefix",), "a//b"), "'prefix' must be null or path segments"),
            (changed(("settings", "base_url"), "/y/"), "needs settings.base_url '/x/'"),
            ([], "must hold a JSON object"),
        ]
        for raw, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(PackageManifestError) as caught:
                    validate_manifest(raw)
                self.assertIn(message, str(caught.exception))

    def test_missing_file_says_how_packages_are_built(self):
        with self.assertRaises(PackageManifestError) as caught:
            load_manifest(harness.SESSION_DIR)
        self.assertIn("built by datasette-lambda", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
