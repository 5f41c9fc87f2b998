"""New instances, each a fresh Python process (isolated_site.py), as Lambda starts them: with
the start-up techniques (import diet, compiled templates) every response is byte-for-byte
the one Datasette gives without them, and what they defer stays deferred until used.

Three processes for the whole module (each is a cold start, which is the slow part):
- lean: a site without units, the techniques on; what did the process load?
- on / off: the same site with units in its metadata, every technique on / off.
"""

import os
import re
import sqlite3
import tempfile
import unittest

import harness
from harness import CODE_DIR, LAYER_DIR, SESSION_DIR, TEST_SECRET, make_task_root

import pytest

import isolated_site
from datasette_lambda.start import template_cache

# Cold starts on the built layer: its compiled templates, and the import diet over what it holds.
pytestmark = pytest.mark.layer

UNITS_METADATA = {
    "title": "Units",
    "custom_units": ["decibel = [] = dB"],
    "databases": {"units": {"tables": {"trips": {"units": {"distance": "m", "duration": "s", "noise": "dB"}}}}},
}
# Units shown (compact form), filters converted into the column's unit (1km -> 1000 m,
# 1h -> 3600 s), a bare number taken as the column's unit, a custom unit, JSON and a row.
UNITS_PATHS = [
    "/units/trips",
    "/units/trips?distance__gt=1km",
    "/units/trips?duration__lt=1h",
    "/units/trips?noise__gte=60",
    "/units/trips.json?distance__gt=500m&_shape=array",
    "/units/trips/2",
]
# Every kind of page Datasette renders from templates, and errors.
PAGES = [
    "/",
    "/fixtures",
    "/fixtures/items",
    "/fixtures/items?_facet=category_id&_sort_desc=price",
    "/fixtures/items/3",
    "/fixtures/dotted~2Etable",
    "/fixtures?sql=select+1+as+one",
    "/fixtures/expensive_items",
    "/-/metadata",
    "/fixtures/nope",
    "/fixtures/items.json?_shape=array",
]
LEAN_PATHS = ["/", "/fixtures", "/fixtures/items", "/fixtures/items.json?_shape=array", "/fixtures/items/3"]

# Datasette reports how long its queries took; nothing else in a response may differ.
_TIMINGS = re.compile(rb'(took |"query_ms": )[0-9.e-]+(ms)?')


def stable(body):
    return _TIMINGS.sub(rb"\1<time>", body)


def write_units_db(path):
    conn = sqlite3.connect(path)
    conn.execute("create table trips (id integer primary key, name text, distance real, duration integer, noise real)")
    conn.executemany(
        "insert into trips values (?, ?, ?, ?, ?)",
        [
            (1, "walk", 850.0, 720, 40.5),
            (2, "cycle", 12500.0, 2700, 62.0),
            (3, "drive", 96000.0, 4100, 71.25),
            (4, "stairs", 0.35, 95, 55.0),
        ],
    )
    conn.commit()
    conn.close()


harness.FIXTURE_WRITERS.setdefault("units", write_units_db)
REPORTS: dict[str, dict] = {}


def setUpModule():
    techniques_on = {}
    if not LAYER_DIR:  # a CLI-built layer has its own compiled templates; else build some
        cache_dir = os.path.join(tempfile.mkdtemp(dir=SESSION_DIR), template_cache.CACHE_DIR_NAME)
        import datasette

        site_dir = os.path.dirname(os.path.dirname(os.path.abspath(datasette.__file__)))
        template_cache.build(template_cache.datasette_environment(), cache_dir, site_dir, "/opt/python")
        techniques_on["template_cache_dir"] = cache_dir
    lean = make_task_root()
    full = make_task_root(inline=("fixtures", "units"), prefix="x", metadata=UNITS_METADATA)
    paths = [f"/x{path}" for path in PAGES + UNITS_PATHS]
    REPORTS["lean"] = serve(lean, LEAN_PATHS, techniques_on)
    REPORTS["on"] = serve(full, paths, techniques_on)
    REPORTS["off"] = serve(full, paths, {"import_diet": False, "template_cache": False})


def serve(root, paths, variant):
    env = {"LAMBDA_TASK_ROOT": root.path, "DATASETTE_SECRET": TEST_SECRET}
    return isolated_site.run(CODE_DIR, LAYER_DIR, env, paths, variant)


class SameResponses(unittest.TestCase):
    def test_every_response_is_identical_with_and_without_the_techniques(self):
        for ours, theirs in zip(REPORTS["on"]["responses"], REPORTS["off"]["responses"], strict=True):
            with self.subTest(path=ours["path"]):
                self.assertIn(ours["status"], (200, 404))
                self.assertEqual(
                    (ours["status"], ours["headers"], stable(ours["body"])),
                    (theirs["status"], theirs["headers"], stable(theirs["body"])),
                )

    def test_the_techniques_were_on_in_one_process_and_off_in_the_other(self):
        self.assertTrue(REPORTS["on"]["diet"]["pint"])
        self.assertTrue(REPORTS["on"]["template_cache"])
        self.assertFalse(REPORTS["off"]["diet"]["pint"])
        self.assertFalse(REPORTS["off"]["template_cache"])

    def test_the_pages_really_use_units(self):
        # A control: were units ignored on both sides, the comparison would prove little.
        pages = {r["path"]: r["body"].decode("utf-8") for r in REPORTS["on"]["responses"]}
        self.assertIn("12.5&nbsp;km", pages["/x/units/trips"])
        self.assertIn("62.0&nbsp;dB", pages["/x/units/trips"])
        self.assertIn("drive", pages["/x/units/trips?distance__gt=1km"])
        self.assertNotIn(">walk<", pages["/x/units/trips?distance__gt=1km"])
        self.assertNotIn(">drive<", pages["/x/units/trips?duration__lt=1h"])
        self.assertNotIn(">walk<", pages["/x/units/trips?noise__gte=60"])
        self.assertIn('"name": "walk"', pages["/x/units/trips.json?distance__gt=500m&_shape=array"])
        self.assertIn("12.5&nbsp;km", pages["/x/units/trips/2"])
        self.assertEqual(REPORTS["on"]["modules"].get("datasette.vendored.pint"), "module")


class NothingLoadsUnlessUsed(unittest.TestCase):
    """A site without units never imports pint; httpx and yaml stay unexecuted."""

    def test_pages_are_served(self):
        self.assertEqual([r["status"] for r in REPORTS["lean"]["responses"]], [200] * len(LEAN_PATHS))

    def test_the_diet_and_the_templates_applied(self):
        # Fails if a Datasette or Jinja upgrade defeats them: then they must be revisited.
        self.assertTrue(REPORTS["lean"]["diet"]["pint"], REPORTS["lean"])
        self.assertEqual(sorted(REPORTS["lean"]["diet"]["lazy_modules"]), ["httpx", "yaml"])
        self.assertTrue(REPORTS["lean"]["template_cache"])

    def test_pint_was_never_imported(self):
        self.assertNotIn("datasette.vendored.pint", REPORTS["lean"]["modules"])

    def test_lazy_modules_were_never_executed(self):
        self.assertEqual(REPORTS["lean"]["modules"].get("httpx"), "_LazyModule")
        self.assertEqual(REPORTS["lean"]["modules"].get("yaml"), "_LazyModule")


if __name__ == "__main__":
    unittest.main()
