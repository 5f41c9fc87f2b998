"""Import diet: start-up work Datasette 0.65 does at import time, deferred until it is used.

Measured with `python -X importtime` on the packaged layer (see bench/coldstart.ts), about
three fifths of importing Datasette goes into units support that a site uses only when
its metadata declares column "units" (or "custom_units"):

- datasette/views/base.py imports its vendored pint (~95 ms on a 2-core x86 box) and
  builds `ureg = pint.UnitRegistry()` at import time (~190 ms: it parses pint's whole
  definitions file). app.py and views/table.py import that same object by name.

`install()` imports datasette.views.base with a stand-in for datasette.vendored.pint
whose UnitRegistry() returns a LazyUnitRegistry: an empty object that, the first time
anything touches it (a call, an attribute, `in`, iteration...), imports the real pint,
becomes a real pint UnitRegistry in place (its __class__ is swapped and it is built with
the same default arguments, as pint's own LazyRegistry materialises itself). From then on it
*is* that registry: every reference Datasette holds sees the same object, isinstance()
holds, and every result is the one an eagerly built registry gives. The stand-in leaves
sys.modules as soon as views.base is imported, so anything importing pint later gets
the real module.

Two more modules are imported lazily (importlib.util.LazyLoader: the module object
exists at once, its code runs on first attribute access):
- httpx (~40 ms): datasette.app imports it for `datasette.client` only (internal
  requests made by plugins), never while serving a page itself;
- yaml (~20 ms): datasette.utils imports it to read metadata *files*; the stub hands
  Datasette metadata as a dict.
(Not pdb, which datasette.handle_exception imports for `datasette --pdb`: that module is
registered as a plugin, and pluggy looks at every attribute of it, which loads a lazy
module at once.)
A module some other code imports with `from x import y` at import time is loaded then,
as usual: laziness only ever delays, never changes, what runs. (Python 3.11's LazyLoader
is not thread-safe; both modules are only ever used from the event loop's thread.)

`install()` never raises: if Datasette's layout differs from what this expects (already
imported, no `ureg`, a pint without UnitRegistry), it logs why and leaves Datasette to
import as it would. `status()` says what was deferred; the stub tests fail when the diet
stops applying (tests/test_import_diet.py), so a Datasette upgrade cannot silently undo it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import logging
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

PINT_MODULE = "datasette.vendored.pint"
BASE_VIEWS_MODULE = "datasette.views.base"
LAZY_MODULES = ("httpx", "yaml")

log = logging.getLogger("datasette_lambda")

_T = typing.TypeVar("_T")
_status = {"pint": False, "lazy_modules": ()}


class LazyUnitRegistry(typing.Generic[_T]):
    """pint.UnitRegistry() with no arguments, built the first time it is used.

    It derives from typing.Generic only so that its instances have the same memory layout
    as pint's registries (which do), which the __class__ swap requires.
    """

    def _become_registry(self) -> Any:
        # What UnitRegistry() does, on this object: __init__, then _after_init(), which
        # pint's metaclass (RegistryMeta.__call__) runs after __init__ and which loads the
        # default definitions. pint's own LazyRegistry materialises itself the same way.
        registry_class = importlib.import_module(PINT_MODULE).UnitRegistry
        object.__setattr__(self, "__class__", registry_class)
        registry_class.__init__(self)
        self._after_init()
        return self

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the object lacks, which before the swap is all of them.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy/pickle probing must not build the registry
        return getattr(self._become_registry(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._become_registry(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._become_registry(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._become_registry()(*args, **kwargs)

    def __getitem__(self, item: Any) -> Any:
        return self._become_registry()[item]

    def __contains__(self, item: object) -> bool:
        return item in self._become_registry()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._become_registry())

    def __dir__(self) -> list[str]:
        return dir(self._become_registry())

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self._become_registry().__deepcopy__(memo)

    def __repr__(self) -> str:
        return repr(self._become_registry())


class _PintStandIn(types.ModuleType):
    """datasette.vendored.pint while datasette.views.base is imported: UnitRegistry() is lazy,
    anything else is the real module's."""

    @staticmethod
    def UnitRegistry(*args: Any, **kwargs: Any) -> Any:  # noqa: N802  (pint's name)
        if args or kwargs:
            return importlib.import_module(PINT_MODULE).UnitRegistry(*args, **kwargs)
        return LazyUnitRegistry()

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(PINT_MODULE) is self:
            raise AttributeError(name)  # still standing in: never recurse into ourselves
        return getattr(importlib.import_module(PINT_MODULE), name)


class _LazyModuleFinder:
    """A meta path finder (importlib.abc.MetaPathFinder's protocol; that module is not
    imported for it, as it costs import time): finds the named top-level modules as the
    path finder would, with a LazyLoader around their loader. Each name is handled once
    (its first import); then the finder steps aside."""

    def __init__(self, names: Iterable[str]) -> None:
        self.pending = set(names)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.pending:
            return None
        self.pending.discard(fullname)
        if not self.pending and self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def install() -> None:
    """Apply the diet. Call before anything imports datasette; calling again does nothing."""
    if _status["pint"] or _status["lazy_modules"]:
        return
    lazy = tuple(name for name in LAZY_MODULES if name not in sys.modules)
    if lazy:
        sys.meta_path.insert(0, _LazyModuleFinder(lazy))
        _status["lazy_modules"] = lazy
    if BASE_VIEWS_MODULE in sys.modules or PINT_MODULE in sys.modules:
        log.warning("datasette-lambda: Datasette was imported before the import diet; units load eagerly")
        return
    stand_in = _PintStandIn(PINT_MODULE)
    sys.modules[PINT_MODULE] = stand_in
    try:
        base = importlib.import_module(BASE_VIEWS_MODULE)
    finally:
        if sys.modules.get(PINT_MODULE) is stand_in:
            del sys.modules[PINT_MODULE]
    if isinstance(getattr(base, "ureg", None), LazyUnitRegistry):
        _status["pint"] = True
    else:
        log.warning(
            "datasette-lambda: %s has no module-level pint UnitRegistry any more; the import "
            "diet's lazy units do not apply to this Datasette",
            BASE_VIEWS_MODULE,
        )


def status() -> dict[str, Any]:
    """What install() deferred: {"pint": bool, "lazy_modules": (names...)}."""
    return dict(_status)
