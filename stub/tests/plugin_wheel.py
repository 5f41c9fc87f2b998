"""A tiny Datasette plugin, as a wheel built with zipfile (no network, no build backend).

Run as a script to write it for an `--install` build (see FIXTURES.md):
    python stub/tests/plugin_wheel.py OUTDIR [VERSION]
It prints the wheel's path: OUTDIR/datasette_lambda_test_plugin-VERSION-py3-none-any.whl.

The plugin registers a route, /-/installed-plugin.json, answering
{"plugin": "datasette_lambda_test_plugin", "version": VERSION, "databases": [names served]},
and is listed in /-/plugins.json with the hook register_routes.
"""

import base64
import hashlib
import os
import sys
import zipfile

NAME = "datasette_lambda_test_plugin"
ROUTE = "/-/installed-plugin.json"
DEFAULT_VERSION = "0.1"

MODULE = '''"""Test plugin for datasette-lambda's --install (stub/tests/plugin_wheel.py)."""
from datasette import hookimpl
from datasette.utils.asgi import Response

VERSION = {version!r}


async def installed_plugin(datasette):
    return Response.json(
        {{
            "plugin": __name__,
            "version": VERSION,
            "databases": sorted(name for name in datasette.databases if name != "_internal"),
        }}
    )


@hookimpl
def register_routes():
    return [(r"^{route}$", installed_plugin)]
'''


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(directory, version=DEFAULT_VERSION):
    """Writes the wheel into directory; returns its path. Same version, same bytes."""
    dist_info = f"{NAME}-{version}.dist-info"
    files = {
        f"{NAME}.py": MODULE.format(version=version, route=ROUTE.replace(".", r"\.")),
        f"{dist_info}/METADATA": (
            "Metadata-Version: 2.1\n"
            f"Name: {NAME}\n"
            f"Version: {version}\n"
            "Summary: Test plugin for datasette-lambda --install\n"
            "Requires-Dist: datasette\n"
        ),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: datasette-lambda stub tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": f"[datasette]\n{NAME} = {NAME}\n",
    }
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{NAME}-{version}-py3-none-any.whl")
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data, zipfile.ZIP_DEFLATED)
            record.append(_record_line(name, data))
        record.append(f"{dist_info}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        wheel.writestr(info, "\n".join(record) + "\n", zipfile.ZIP_DEFLATED)
    return path


if __name__ == "__main__":
    print(build_wheel(sys.argv[1], *sys.argv[2:3]))
