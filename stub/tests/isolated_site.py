"""Serve requests from a fresh Python process, as a new Lambda instance would, and report.

The tests that compare the stub with and without one of its start-up techniques (the
import diet, the template cache) need each variant in its own process: both change what
is imported or cached process-wide. Run as a script, it reads one JSON object on stdin:

  {"code_dir": ..., "layer_dir": ... | null, "tests_dir": ..., "env": {...},
   "paths": ["/", "/db/table?x=1", ...],
   "variant": {"import_diet": true, "template_cache": true, "template_cache_dir": ...}}

imports the handler from code_dir (the layer's python/ next, as Lambda's /opt/python),
serves each path with a Function URL event and prints one JSON object: the responses
(status, headers, body as base64) and which modules the process had loaded, and how.
"""

import base64
import json
import os
import subprocess
import sys


def run(code_dir, layer_dir, env, paths, variant=None):
    """Run this script in a fresh interpreter; returns its report (bodies decoded to bytes)."""
    spec = {
        "code_dir": code_dir,
        "layer_dir": layer_dir,
        "tests_dir": os.path.dirname(os.path.abspath(__file__)),
        "env": env,
        "paths": list(paths),
        "variant": variant or {},
    }
    # No PYTHONPATH and no inherited stub modules: the child finds code as Lambda would.
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        env=child_env,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"isolated site failed:\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout)
    for response in report["responses"]:
        response["body"] = base64.b64decode(response["body"])
    return report


def main():
    spec = json.load(sys.stdin)
    os.environ.update(spec["env"])
    paths = [spec["code_dir"]]
    if spec.get("layer_dir"):
        paths.append(os.path.join(spec["layer_dir"], "python"))
    sys.path[:0] = paths
    sys.path.append(spec["tests_dir"])
    sys.dont_write_bytecode = True  # leave code and layer as they are

    variant = spec.get("variant", {})
    from datasette_lambda.start import import_diet

    if not variant.get("import_diet", True):
        import_diet.install = lambda: None
        from datasette_lambda.start import template_cache  # imports jinja2, not Datasette: the comparison stays fair
    else:
        import_diet.install()
        from datasette_lambda.start import template_cache
    if not variant.get("template_cache", True):
        template_cache.attach = lambda ds, directory=None: False
    elif variant.get("template_cache_dir"):
        template_cache.cache_directory = lambda: variant["template_cache_dir"]
    from datasette_lambda import handler  # noqa: E402  (starts the site, as Lambda's init phase does)
    from lambda_events import make_event, response_body

    responses = []
    for path in spec["paths"]:
        raw_path, _, query = path.partition("?")
        raw = handler.handler(make_event("GET", raw_path, query or None), None)
        responses.append(
            {
                "path": path,
                "status": raw["statusCode"],
                "headers": raw.get("headers") or {},
                "body": base64.b64encode(response_body(raw)).decode("ascii"),
            }
        )
    modules = {
        name: type(sys.modules[name]).__name__
        for name in ("datasette.vendored.pint", "httpx", "yaml")
        if name in sys.modules
    }
    site = handler.instance.site
    templates = site is not None and site.datasette.jinja_env.bytecode_cache is not None
    report = {"responses": responses, "modules": modules, "diet": import_diet.status(), "template_cache": templates}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
