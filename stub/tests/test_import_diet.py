"""The import diet's stand-in registry (import_diet.py). Whole sites with and without the
diet, each in a fresh process, are compared in test_fresh_instances.py."""

import importlib
import unittest

import harness  # noqa: F401  (first: sets up sys.path for the stub)

from datasette_lambda.start import import_diet


class LazyUnitRegistryStandsInFully(unittest.TestCase):
    """Everything a pint UnitRegistry answers itself, the lazy one forwards."""

    # Class-level machinery, answered by the class whichever object it is.
    CLASS_LEVEL = {
        "__annotations__",
        "__class_getitem__",
        "__dict__",
        "__doc__",
        "__init__",
        "__init_subclass__",
        "__module__",
        "__orig_bases__",
        "__parameters__",
        "__slots__",
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
        self.assertEqual(
            str(round((1.5 * lazy("km")).to_compact(), 6)),
            str(round((1.5 * pint.UnitRegistry()("km")).to_compact(), 6)),
        )

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
