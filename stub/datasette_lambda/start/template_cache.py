"""Datasette's Jinja templates, compiled when the layer is built instead of on first use.

Jinja compiles a template (parse, generate Python source, compile()) the first time it is
rendered: measured on a 2-core x86 box, ~60 ms for the index page's templates and ~110 ms
for a table page's, in every new Lambda instance, of a first request of ~100 ms. Jinja
can load compiled templates from a bytecode cache instead (jinja2.BytecodeCache), so the
CLI builds one into the layer (`python -m datasette_lambda.start.template_cache build
SITE_DIR RUNTIME_DIR`, run by src/build/python.ts with a Python of the runtime's version)
and the stub attaches it to Datasette's environment (`attach(ds)`) once Datasette has
started.

Why the output cannot change:
- a cached template is used only if its source is byte-for-byte the source Jinja loads now
  (Jinja checks the checksum stored with it; any other template name, a template a plugin
  or --template-dir overrides, compiles as usual);
- the cache is attached only when the environment compiles the same way it did at build
  time: same Jinja version, Python version and environment fingerprint (syntax settings,
  autoescape, async mode, extensions, and every filter and test with what it is passed;
  the compiled code depends on exactly these);
- Jinja's own loader and bytecode format do the loading: this module only reads files.

The cache is read-only (the layer is), lives in the layer next to datasette
(`python/datasette_lambda_templates/`), and is absent when the layer had no Python of the
runtime's version to build it with (templates then compile on first use, as before).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys

if __name__ == "__main__" and len(sys.argv) > 2:
    # Run by the CLI on a layer: its packages, not this machine's (run with -S and -B).
    sys.path.insert(0, os.path.abspath(sys.argv[2]))

from typing import Any

from jinja2 import BytecodeCache  # noqa: E402
from jinja2 import __version__ as JINJA_VERSION
from jinja2.bccache import Bucket

CACHE_DIR_NAME = "datasette_lambda_templates"
INDEX_NAME = "index.json"
FORMAT = 1

log = logging.getLogger("datasette_lambda")


class PrecompiledTemplates(BytecodeCache):
    """A read-only Jinja bytecode cache: one file per template name, made at build time.

    Keys depend on the template name only (not its file path, which differs between the
    build machine and Lambda); Jinja itself refuses a cached template whose source
    checksum differs from the source it loaded.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return cache_key(name)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(os.path.join(self.directory, f"{bucket.key}.cache"), "rb") as f:
                bucket.load_bytecode(f)
        except FileNotFoundError:
            pass

    def dump_bytecode(self, bucket: Bucket) -> None:
        pass  # read-only: a template compiled at run time stays in memory, as without a cache


def cache_key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def cache_directory() -> str:
    """Where the layer keeps the cache: beside the datasette package (/opt/python in Lambda)."""
    import datasette

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(datasette.__file__))), CACHE_DIR_NAME)


def environment_fingerprint(env: Any) -> str:
    """Everything of a Jinja environment that the code it compiles depends on, as a digest."""
    pass_arg = lambda func: str(getattr(func, "jinja_pass_arg", None))  # noqa: E731  (jinja2.utils._PassArg.from_obj)
    autoescape = env.autoescape if isinstance(env.autoescape, bool) else _qualified_name(env.autoescape)
    described = {
        "class": _qualified_name(type(env)),
        "syntax": [
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
        ],
        "optimized": env.optimized,
        "autoescape": autoescape,
        "async": env.is_async,
        "finalize": None if env.finalize is None else pass_arg(env.finalize),
        "extensions": sorted(env.extensions),
        "code_generator": _qualified_name(env.code_generator_class),
        "filters": sorted((name, pass_arg(func)) for name, func in env.filters.items()),
        "tests": sorted((name, pass_arg(func)) for name, func in env.tests.items()),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode("utf-8")).hexdigest()


def _qualified_name(obj: object) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _python_version() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def attach(ds: Any, directory: str | None = None) -> bool:
    """Give Datasette's Jinja environment the layer's compiled templates, if they fit it.

    Call after Datasette's start-up (plugins' prepare_jinja2_environment hooks may add
    filters). Returns True if attached.
    """
    directory = directory or cache_directory()
    try:
        with open(os.path.join(directory, INDEX_NAME), encoding="utf-8") as f:
            index = json.load(f)
    except FileNotFoundError:
        return False
    except ValueError:
        log.warning("datasette-lambda: %s is unreadable; templates compile on first use", INDEX_NAME)
        return False
    wanted = {
        "format": FORMAT,
        "jinja": JINJA_VERSION,
        "python": _python_version(),
        "environment": environment_fingerprint(ds.jinja_env),
    }
    mismatched = sorted(key for key, value in wanted.items() if index.get(key) != value)
    if mismatched:
        log.info(
            "datasette-lambda: the layer's compiled templates do not fit this site (%s differ); "
            "templates compile on first use",
            ", ".join(mismatched),
        )
        return False
    ds.jinja_env.bytecode_cache = PrecompiledTemplates(directory)
    return True


def build(env: Any, out_dir: str, site_dir: str, runtime_site_dir: str) -> dict[str, Any]:
    """Compile every template env can list into out_dir; file names in the compiled code
    (tracebacks) are those Lambda will see: site_dir is replaced by runtime_site_dir."""
    from jinja2.bccache import Bucket

    os.makedirs(out_dir, exist_ok=True)
    cache = PrecompiledTemplates(out_dir)
    site_dir = os.path.abspath(site_dir)
    names = sorted(env.list_templates())
    for name in names:
        source, filename, _ = env.loader.get_source(env, name)
        if filename and os.path.abspath(filename).startswith(site_dir + os.sep):
            filename = runtime_site_dir + os.path.abspath(filename)[len(site_dir) :]
        bucket = Bucket(env, cache.get_cache_key(name), cache.get_source_checksum(source))
        bucket.code = env.compile(source, name, filename)
        with open(os.path.join(out_dir, f"{bucket.key}.cache"), "wb") as f:
            f.write(bucket.bytecode_to_string())
    index = {
        "format": FORMAT,
        "jinja": JINJA_VERSION,
        "python": _python_version(),
        "environment": environment_fingerprint(env),
        "templates": len(names),
    }
    with open(os.path.join(out_dir, INDEX_NAME), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
    return index


def datasette_environment() -> Any:
    """The Jinja environment a stub-built Datasette has after start-up (no databases needed:
    templates and filters do not depend on them), with the stub's template loader."""
    import asyncio

    from datasette.app import Datasette
    from datasette.plugins import pm
    from datasette.utils import await_me_maybe

    ds = Datasette([])
    # The stub's Datasette reads index.html and database.html through this loader, which
    # adds a line to each (data_as_of.py): compile what it will load. What the line shows
    # comes from the manifests at run time; the template function is not called here.
    from datasette_lambda.serve.data_as_of import install_data_as_of

    install_data_as_of(ds, lambda name: None)

    async def prepare() -> None:
        for hook in pm.hook.prepare_jinja2_environment(env=ds.jinja_env, datasette=ds):
            await await_me_maybe(hook)

    asyncio.run(prepare())
    return ds.jinja_env


def main(argv: list[str]) -> int:
    """`build SITE_DIR RUNTIME_SITE_DIR`: the cache for the packages in
    SITE_DIR (a layer's python/), written to SITE_DIR/datasette_lambda_templates."""
    if len(argv) != 4 or argv[1] != "build":
        print("usage: python -m datasette_lambda.start.template_cache build SITE_DIR RUNTIME_SITE_DIR", file=sys.stderr)
        return 2
    site_dir, runtime_site_dir = argv[2], argv[3]
    index = build(datasette_environment(), os.path.join(site_dir, CACHE_DIR_NAME), site_dir, runtime_site_dir)
    print(json.dumps(index))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
