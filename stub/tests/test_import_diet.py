"""The import diet (import_diet.py): what it defers stays deferred, and nothing changes.

Each site here runs in a fresh process (isolated_site.py), as a new Lambda instance: the
diet changes what a process imports, so it cannot be compared inside this one.
"""

import importlib
import re
import sqlite3
import unittest

import harness
from harness import CODE_DIR, LAYER_DIR, TEST_SECRET, make_task_root

import import_diet
import isolated_site

UNITS_METADATA = {
    "title": "Units",
    "custom_units": ["decibel = [] = dB"],
    "databases": {
        "units": {"tables": {"trips": {"units": {"distance": "m", "duration": "s", "noise": "dB"}}}}
    },
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
PLAIN_PATHS = ["/", "/fixtures", "/fixtures/items", "/fixtures/items.json?_shape=array", "/fixtures/items/3"]


def write_units_db(path):
    conn = sqlite3.connect(path)
    conn.execute(
        "create table trips (id integer primary key, name text, distance real, duration integer, noise real)"
    )
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


# Datasette reports how long its queries took; nothing else in a response may differ.
_TIMINGS = re.compile(rb'(took |"query_ms": )[0-9.e-]+(ms)?')


def stable(body):
    return _TIMINGS.sub(rb"\1<time>", body)


def serve(root, paths, variant=None):
    env = {"LAMBDA_TASK_ROOT": root.path, "DATASETTE_SECRET": TEST_SECRET}
    return isolated_site.run(CODE_DIR, LAYER_DIR, env, paths, variant)


class UnitsRenderTheSame(unittest.TestCase):
    """Column units and unit filters give byte-for-byte Datasette's own answers."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(inline=("units",), metadata=UNITS_METADATA)
        cls.with_diet = serve(cls.root, UNITS_PATHS)
        cls.without_diet = serve(cls.root, UNITS_PATHS, {"import_diet": False})

    def test_every_response_is_identical(self):
        for ours, theirs in zip(self.with_diet["responses"], self.without_diet["responses"]):
            with self.subTest(path=ours["path"]):
                self.assertEqual(ours["status"], 200)
                self.assertEqual(ours["status"], theirs["status"])
                self.assertEqual(ours["headers"], theirs["headers"])
                self.assertEqual(stable(ours["body"]), stable(theirs["body"]))

    def test_the_pages_really_use_units(self):
        # A control: were units ignored on both sides, the comparison above would prove little.
        pages = {r["path"]: r["body"].decode("utf-8") for r in self.with_diet["responses"]}
        self.assertIn("12.5&nbsp;km", pages["/units/trips"])
        self.assertIn("62.0&nbsp;dB", pages["/units/trips"])
        self.assertIn("drive", pages["/units/trips?distance__gt=1km"])
        self.assertNotIn(">walk<", pages["/units/trips?distance__gt=1km"])
        self.assertNotIn(">drive<", pages["/units/trips?duration__lt=1h"])
        self.assertNotIn(">walk<", pages["/units/trips?noise__gte=60"])
        self.assertIn('"name": "walk"', pages["/units/trips.json?distance__gt=500m&_shape=array"])
        self.assertIn("12.5&nbsp;km", pages["/units/trips/2"])

    def test_pint_loads_once_units_are_used(self):
        self.assertTrue(self.with_diet["diet"]["pint"])
        self.assertEqual(self.with_diet["modules"].get("datasette.vendored.pint"), "module")


class NothingLoadsUnlessUsed(unittest.TestCase):
    """A site without units never imports pint; httpx and yaml stay unexecuted."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()
        cls.report = serve(cls.root, PLAIN_PATHS)

    def test_pages_are_served(self):
        self.assertEqual([r["status"] for r in self.report["responses"]], [200] * len(PLAIN_PATHS))

    def test_the_diet_applied(self):
        # Fails if a Datasette upgrade moves the registry: then the diet must be revisited.
        self.assertTrue(self.report["diet"]["pint"], self.report)
        self.assertEqual(sorted(self.report["diet"]["lazy_modules"]), ["httpx", "yaml"])

    def test_pint_was_never_imported(self):
        self.assertNotIn("datasette.vendored.pint", self.report["modules"])

    def test_lazy_modules_were_never_executed(self):
        self.assertEqual(self.report["modules"].get("httpx"), "_LazyModule")
        self.assertEqual(self.report["modules"].get("yaml"), "_LazyModule")

    def test_the_same_pages_without_the_diet(self):
        plain = serve(self.root, PLAIN_PATHS, {"import_diet": False})
        self.assertEqual(plain["modules"].get("datasette.vendored.pint"), "module")
        for ours, theirs in zip(self.report["responses"], plain["responses"]):
            with self.subTest(path=ours["path"]):
                self.assertEqual(
                    (ours["status"], ours["headers"], stable(ours["body"])),
                    (theirs["status"], theirs["headers"], stable(theirs["body"])),
                )


class LazyUnitRegistryStandsInFully(unittest.TestCase):
    """Everything a pint UnitRegistry answers itself, the lazy one forwards."""

    # Class-level machinery, answered by the class whichever object it is.
    CLASS_LEVEL = {
        "__annotations__", "__class_getitem__", "__dict__", "__doc__", "__init__",
        "__init_subclass__", "__module__", "__orig_bases__", "__parameters__", "__slots__",
        "__weakref__",
    }

    def test_every_special_method_of_the_registry_is_forwarded(self):
        registry_class = importlib.import_module(import_diet.PINT_MODULE).UnitRegistry
        special = {
            name
            for klass in registry_class.__mro__
            if klass is not object
            for name in vars(klass)
            if name.startswith("__") and name.endswith("__")
        }
        forwarded = set(vars(import_diet.LazyUnitRegistry))
        self.assertEqual(special - self.CLASS_LEVEL - forwarded, set())

    def test_first_use_turns_it_into_a_real_registry(self):
        pint = importlib.import_module(import_diet.PINT_MODULE)
        lazy = import_diet.LazyUnitRegistry()
        self.assertNotIsInstance(lazy, pint.UnitRegistry)
        quantity = lazy("3 km")
        self.assertIsInstance(lazy, pint.UnitRegistry)
        self.assertEqual(quantity.to("m").magnitude, 3000)
        self.assertEqual(str(round((1.5 * lazy("km")).to_compact(), 6)), str(round((1.5 * pint.UnitRegistry()("km")).to_compact(), 6)))

    def test_every_entry_point_builds_it(self):
        pint = importlib.import_module(import_diet.PINT_MODULE)
        uses = {
            "call": lambda r: r("1 m"),
            "attribute": lambda r: r.meter,
            "define": lambda r: r.define("smoot = 1.7018 * meter"),
            "item": lambda r: r["meter"],
            "in": lambda r: "meter" in r,
            "iter": lambda r: next(iter(r)),
            "dir": lambda r: dir(r),
            "setattr": lambda r: setattr(r, "autoconvert_offset_to_baseunit", True),
        }
        for name, use in uses.items():
            with self.subTest(name):
                lazy = import_diet.LazyUnitRegistry()
                use(lazy)
                self.assertIsInstance(lazy, pint.UnitRegistry)

    def test_the_handlers_registry_is_the_lazy_one(self):
        base = importlib.import_module(import_diet.BASE_VIEWS_MODULE)
        app = importlib.import_module("datasette.app")
        self.assertIs(app.ureg, base.ureg)
        self.assertTrue(import_diet.status()["pint"])


if __name__ == "__main__":
    unittest.main()
