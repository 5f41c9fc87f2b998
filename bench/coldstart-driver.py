"""One cold start, for bench/coldstart.ts: import a handler module, serve one request, report.

Run as `python -S -B coldstart-driver.py MODULE CODE_DIR LAYER_PYTHON_DIR PATH`: only the
standard library, the code directory (Lambda's task root) and the layer's python/ (as
/opt/python) are importable, as in Lambda; nothing the machine has installed. Imports
nothing of its own before the clock starts but `time` and `importlib` (the event is a literal). Prints one
JSON line: wall and CPU milliseconds of the import (Lambda's init phase) and of the first
request, the response's status and size, and the stub's own step timings when it has them.
"""

import importlib
import sys
import time

module_name, code_dir, layer_dir, path = sys.argv[1:5]
sys.path[:0] = [code_dir, layer_dir]

EVENT = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": path,
    "rawQueryString": "",
    "headers": {
        "host": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": "198.51.100.7",
        "user-agent": "coldstart-bench",
        "accept": "text/html",
    },
    "requestContext": {
        "accountId": "anonymous",
        "apiId": "abcdefghijklmnopqrstuvwxyz012345",
        "domainName": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
        "domainPrefix": "abcdefghijklmnopqrstuvwxyz012345",
        "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7", "userAgent": "coldstart-bench"},
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "routeKey": "$default",
        "stage": "$default",
        "time": "01/Dec/2026:10:00:00 +0000",
        "timeEpoch": 1796119200000,
    },
    "isBase64Encoded": False,
}

wall0, cpu0 = time.perf_counter(), time.process_time()
module = importlib.import_module(module_name)
wall1, cpu1 = time.perf_counter(), time.process_time()
response = module.handler(EVENT, None)
wall2, cpu2 = time.perf_counter(), time.process_time()

import json  # noqa: E402  (after the clock)

instance = getattr(module, "instance", None)
timings = getattr(getattr(instance, "loader", None), "timings", None) or {}
print(
    json.dumps(
        {
            "import_ms": (wall1 - wall0) * 1000,
            "import_cpu_ms": (cpu1 - cpu0) * 1000,
            "first_ms": (wall2 - wall1) * 1000,
            "first_cpu_ms": (cpu2 - cpu1) * 1000,
            "status": response["statusCode"],
            "bytes": len(response.get("body") or ""),
            "steps_ms": {name: seconds * 1000 for name, seconds in timings.items() if seconds is not None},
        }
    )
)
