"""CloudFront in front of a site, modelled around the real code of its two functions.

A viewer's request goes through what templates/shared.yaml and app.yaml configure, each
step following the page cited beside it:

1. the viewer-request CloudFront Function (ViewerRequestFunction's code, run by Node in a
   VM, run_cloudfront_function.mjs), given the event CloudFront Functions receive;
2. CloudFront's origin request: the managed origin request policy AllViewerExceptHostHeader
   forwards every viewer header but Host (Host becomes the origin's), and the default
   behaviour's origin-request Lambda@Edge association with IncludeBody hands the
   function the body, base64, cut at 1 MB;
3. the origin-request function (EdgeFunction's code, run here): it returns the request to
   send on, or a response CloudFront gives the viewer instead;
4. Origin Access Control signs the request (SigningBehavior "always": the viewer's
   Authorization is replaced by the signature) and Lambda checks the body against
   x-amz-content-sha256, refusing a body without its SHA-256;
5. the Function URL event (payload 2.0; the Cookie header becomes the cookies list), given
   to the handler.

What it cannot show: caching (template tests check the cache key), or that CloudFront really
signs after the origin-request function (the smoke test on a real account does).
"""

import base64
import hashlib
import json
import os
import subprocess
import types

from harness import STUB_DIR, Response, instance

import yaml

from lambda_events import FUNCTION_URL_HOST, make_cloudfront_event

TEMPLATE = os.path.join(os.path.dirname(STUB_DIR), "templates", "shared.yaml")
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_cloudfront_function.mjs")
# "The body is truncated to 1 MB" for origin events with IncludeBody:
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html
BODY_LIMIT = 1024 * 1024
DISTRIBUTION_HOST = "d111111abcdef8.cloudfront.net"


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags read as plain values (only code is read here)."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def shared_template():
    with open(TEMPLATE, encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)  # noqa: S506  (a SafeLoader subclass)


def viewer_function_code():
    return shared_template()["Resources"]["ViewerRequestFunction"]["Properties"]["FunctionCode"]


def edge_function_code():
    return shared_template()["Resources"]["EdgeFunction"]["Properties"]["Code"]["ZipFile"]


def run_viewer_function(event):
    """The CloudFront Function's result for a viewer-request event (its request object)."""
    done = subprocess.run(
        ["node", RUNNER],
        input=json.dumps({"code": viewer_function_code(), "event": event}),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def edge_function():
    """The origin-request function's handler, loaded as Lambda loads index.py."""
    module = types.ModuleType("index")
    exec(compile(edge_function_code(), "index.py", "exec"), module.__dict__)  # noqa: S102  (our own template's code)
    return module.handler


# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
def viewer_event(method, path, query, headers):
    pairs = [p.split("=", 1) for p in query.split("&") if p] if query else []
    return {
        "version": "1.0",
        "context": {"distributionDomainName": DISTRIBUTION_HOST, "eventType": "viewer-request", "requestId": "r1"},
        "viewer": {"ip": "198.51.100.7"},
        "request": {
            "method": method,
            "uri": path,
            "querystring": {p[0]: {"value": p[1] if len(p) > 1 else ""} for p in pairs},
            "headers": {name.lower(): {"value": value} for name, value in headers.items()},
            "cookies": {},
        },
    }


# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-event-structure.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-include-body-access.html
def origin_request_event(method, path, query, headers, body):
    headers = {name: [{"key": name, "value": value}] for name, value in headers.items()}
    headers["host"] = [{"key": "Host", "value": FUNCTION_URL_HOST}]
    request = {
        "clientIp": "198.51.100.7",
        "method": method,
        "uri": path,
        "querystring": query or "",
        "headers": headers,
        "body": {
            "action": "read-only",
            "data": base64.b64encode(body[:BODY_LIMIT]).decode("ascii"),
            "encoding": "base64",
            "inputTruncated": len(body) > BODY_LIMIT,
        },
        "origin": {
            "custom": {
                "customHeaders": {},
                "domainName": FUNCTION_URL_HOST,
                "path": "",
                "port": 443,
                "protocol": "https",
            }
        },
    }
    config = {
        "distributionDomainName": DISTRIBUTION_HOST,
        "distributionId": "EDFDVBD6EXAMPLE",
        "eventType": "origin-request",
    }
    return {"Records": [{"cf": {"config": config, "request": request}}]}


# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-generating-http-responses.html
def generated_response(result):
    """A response an origin-request function made, as the viewer gets it."""
    headers = {name: values[0]["value"] for name, values in (result.get("headers") or {}).items()}
    body = result.get("body", "")
    return Response(
        {
            "statusCode": int(result["status"]),
            "headers": headers,
            "body": body,
            "isBase64Encoded": result.get("bodyEncoding") == "base64",
        }
    )


class CloudFront:
    """A distribution with the shared functions in front of the active instance (harness.activate).

    edge=False leaves the origin-request association out: what the distribution did before
    it (a POST is refused by Lambda)."""

    def __init__(self, viewer_host=DISTRIBUTION_HOST, edge=True):
        self.viewer_host = viewer_host
        self.edge = edge

    def request(self, path, method="GET", headers=None, body=b"", cookies=None):
        path, _, query = path.partition("?")
        body = body.encode("utf-8") if isinstance(body, str) else body
        viewer_headers = {"host": self.viewer_host, "user-agent": "edge-tests", **(headers or {})}
        if cookies:
            viewer_headers["cookie"] = "; ".join(cookies)

        # 1. The viewer-request function.
        viewer = run_viewer_function(viewer_event(method, path, query, viewer_headers))
        forwarded = {name: value["value"] for name, value in viewer["headers"].items()}

        # 2. AllViewerExceptHostHeader: every header but the viewer's Host.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
        forwarded.pop("host", None)

        # 3. The origin-request function, on a cache miss.
        if self.edge:
            result = edge_function()(origin_request_event(method, path, query, forwarded, body), None)
            if "status" in result:
                return generated_response(result)
            forwarded = {name: values[0]["value"] for name, values in result["headers"].items()}
            forwarded.pop("host", None)

        # 4. OAC's signature replaces the viewer's Authorization; Lambda refuses a body
        # whose SHA-256 is not the x-amz-content-sha256 the request was signed with
        # ("Lambda doesn't support unsigned payloads").
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html
        forwarded.pop("authorization", None)
        signed_hash = forwarded.pop("x-amz-content-sha256", hashlib.sha256(b"").hexdigest())
        if signed_hash != hashlib.sha256(body).hexdigest():
            return Response(
                {"statusCode": 403, "headers": {"content-type": "application/json"}, "body": '{"Message":"Forbidden"}'}
            )

        # 5. The Function URL event: the Cookie header becomes the cookies list.
        cookie_header = forwarded.pop("cookie", "")
        event_cookies = [c.strip() for c in cookie_header.split(";") if c.strip()]
        event = make_cloudfront_event(
            method, path, query or None, forwarded, body or None, event_cookies, viewer_host=self.viewer_host
        )
        event["headers"]["x-amz-content-sha256"] = signed_hash
        return Response(instance().handle(event, None))
