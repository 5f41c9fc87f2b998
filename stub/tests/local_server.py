"""Serve a task root over HTTP on 127.0.0.1, through the real handler, for tests and benchmarks.

    python stub/tests/local_server.py --task-root DIR [--port 0] [--code-dir DIR] [--layer-dir DIR]

Prints "READY <port>" on stdout once it listens, then serves until it is stopped (SIGTERM,
SIGINT, or its stdin closing when started with --stop-on-eof). Each HTTP request becomes a
Lambda Function URL event (payload 2.0, tests/lambda_events.py) for handler.handler, and
its answer an HTTP response, so what is served is what the function serves (prefix,
redirects, cookies, base64 bodies, the 6 MB limit, live data).

The process is one Lambda instance: one site, built on the first request; unlike Lambda,
requests run at the same time (one thread per connection). The environment passes
through: DATASETTE_LAMBDA_BUCKET and AWS_ENDPOINT_URL (plus dummy credentials) point it at a
moto server, DATASETTE_LAMBDA_LIVE_SECONDS sets how often it checks live data. See
FIXTURES.md.
"""

import argparse
import asyncio
import http.server
import logging
import os
import sys
import threading
import traceback

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
STUB_DIR = os.path.dirname(TESTS_DIR)
sys.path.insert(0, TESTS_DIR)

from lambda_events import make_event, response_body  # noqa: E402

log = logging.getLogger("datasette_lambda.local_server")


def load_handler(task_root, code_dir=None, layer_dir=None):
    """Import the handler (datasette_lambda/handler.py) as Lambda would: the code first on
    sys.path, then the layer."""
    task_root = os.path.abspath(task_root)
    if code_dir is None:
        code_dir = task_root if os.path.exists(os.path.join(task_root, "datasette_lambda", "handler.py")) else STUB_DIR
    if os.path.abspath(code_dir) != STUB_DIR:
        sys.dont_write_bytecode = True  # leave an unzipped package as the CLI built it
    if layer_dir:
        sys.path.insert(0, os.path.join(os.path.abspath(layer_dir), "python"))
    sys.path.insert(0, os.path.abspath(code_dir))
    os.environ["LAMBDA_TASK_ROOT"] = task_root
    from datasette_lambda import handler

    return handler


def event_for(method, target, headers, body, port, client_ip):
    """The Function URL event for one HTTP request (target: path and query as sent)."""
    path, _, query = target.partition("?")
    merged, cookies = {}, []
    for name, value in headers.items():
        name = name.lower()
        if name == "cookie":  # Function URLs deliver cookies in their own list
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        elif name in merged:
            merged[name] += "," + value
        else:
            merged[name] = value
    merged.setdefault("x-forwarded-proto", "http")
    merged.setdefault("x-forwarded-port", str(port))
    merged.setdefault("x-forwarded-for", client_ip)
    event = make_event(method, path or "/", query, merged, body if body else None, cookies)
    event["requestContext"]["http"]["sourceIp"] = client_ip
    return event


def make_server(handler_module, host="127.0.0.1", port=0):
    class RequestHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle(self):
            # Mangum runs each request on the thread's event loop; this thread has none yet.
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                super().handle()
            finally:
                asyncio.set_event_loop(None)
                loop.close()

        def _serve(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {}
            for name, value in self.headers.items():
                headers[name] = f"{headers[name]},{value}" if name in headers else value
            event = event_for(
                self.command, self.path, headers, body, self.server.server_address[1], self.client_address[0]
            )
            try:
                response = handler_module.handler(event, None)
                status = response["statusCode"]
                payload = response_body(response)
            except Exception:  # a bug in the stub: say so, as Lambda would log it
                traceback.print_exc()
                response, status, payload = {}, 502, b"local_server: the handler raised; see stderr\n"
            self.send_response(status)
            for name, value in (response.get("headers") or {}).items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            for cookie in response.get("cookies") or []:
                self.send_header("set-cookie", cookie)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def log_message(self, format, *args):
            pass  # no access log: the stub logs what matters

    server = http.server.ThreadingHTTPServer((host, port), RequestHandler)
    server.daemon_threads = True
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--task-root", required=True, help="an unzipped package, or a directory with manifest.json and databases/"
    )
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--code-dir", help="where the datasette_lambda package is (default: the task root if it has one, else stub/)"
    )
    parser.add_argument("--layer-dir", help="an unzipped layer: its python/ goes on sys.path after the code")
    parser.add_argument("--stop-on-eof", action="store_true", help="stop when stdin closes")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    handler_module = load_handler(args.task_root, args.code_dir, args.layer_dir)
    server = make_server(handler_module, args.host, args.port)
    if args.stop_on_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
