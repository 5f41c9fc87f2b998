"""Sign-in, POST and API tokens through CloudFront, on a site built with real auth plugins.

Runs only when DL_EDGE_CHAIN is set, against a package and layer the CLI built with
`--install datasette-auth-passwords --install datasette-auth-tokens` (their config in the
metadata, the root password's hash as a --plugin-secret), as test/stub/edge-chain.test.ts
does:

    DL_TASK_ROOT=... DL_LAYER_DIR=... DL_EDGE_CHAIN=1 DL_EDGE_CHAIN_PASSWORD=... \\
    DL_EDGE_CHAIN_TOKEN=... DL_EDGE_CHAIN_PLUGIN_SECRETS='{"DATASETTE_AUTH_PASSWORDS_ROOT_PASSWORD_HASH": ...}' \\
        python -m pytest stub/tests/test_edge_chain.py

Every request goes through the modelled distribution (cloudfront_edge.py): the shared
viewer-request function run by Node, the origin-request function, Origin Access Control's
signature and Lambda's check of the body's SHA-256, then the handler. Datasette 0.65 has no
/-/create-token (that came with 1.0's API tokens): datasette-auth-tokens' Bearer tokens
stand for any Authorization-based sign-in, and datasette-auth-passwords' login form for a
POST with a CSRF token and a cookie.
"""

import os
import re
import unittest
from urllib.parse import urlencode

import harness
from harness import LAYER_DIR, PACKAGE_ROOT, activate

from cloudfront_edge import CloudFront

ENABLED = bool(os.environ.get("DL_EDGE_CHAIN")) and PACKAGE_ROOT and LAYER_DIR
PASSWORD = os.environ.get("DL_EDGE_CHAIN_PASSWORD", "")
TOKEN = os.environ.get("DL_EDGE_CHAIN_TOKEN", "")
FORM = {"content-type": "application/x-www-form-urlencoded"}


def set_cookies(response):
    """name -> value of the response's Set-Cookie (Function URL responses list them apart)."""
    return {c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0] for c in response.cookies}


@unittest.skipUnless(ENABLED, "set DL_EDGE_CHAIN, DL_TASK_ROOT and DL_LAYER_DIR to a build with the auth plugins")
class SignInThroughCloudFront(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        activate(PACKAGE_ROOT, env={"DATASETTE_LAMBDA_PLUGIN_SECRETS": os.environ["DL_EDGE_CHAIN_PLUGIN_SECRETS"]})
        cls.cdn = CloudFront(viewer_host="data.example.org")

    @classmethod
    def tearDownClass(cls):
        harness.deactivate()

    def login(self, password, cdn=None):
        """GET the form, then POST it with its CSRF token and cookie, as a browser does."""
        cdn = cdn or self.cdn
        form = cdn.request("/-/login")
        self.assertEqual(form.status, 200, form.text)
        csrf_cookie = set_cookies(form)["ds_csrftoken"]
        token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
        body = urlencode({"username": "root", "password": password, "csrftoken": token})
        return cdn.request("/-/login", method="POST", headers=FORM, body=body, cookies=[f"ds_csrftoken={csrf_cookie}"])

    def test_logging_in_sets_the_actor_cookie(self):
        response = self.login(PASSWORD)
        self.assertEqual(response.status, 302, response.text)
        actor = set_cookies(response)["ds_actor"]
        me = self.cdn.request("/-/actor.json", cookies=[f"ds_actor={actor}"])
        self.assertEqual(me.json(), {"actor": {"id": "root"}})
        self.assertEqual(me.header("cache-control"), "private, no-store")

    def test_a_wrong_password_is_refused_by_the_plugin_not_by_lambda(self):
        response = self.login("not-the-password")
        self.assertEqual(response.status, 200)
        self.assertIn("Invalid username or password", response.text)

    def test_without_the_origin_request_function_lambda_refuses_the_form(self):
        # What every sign-in got behind CloudFront before: Lambda's 403 for a body without its SHA-256.
        response = self.login(PASSWORD, cdn=CloudFront(viewer_host="data.example.org", edge=False))
        self.assertEqual(response.status, 403)

    def test_a_bearer_token_authenticates_a_json_request_and_its_answer_is_never_shared(self):
        response = self.cdn.request(
            "/-/actor.json", headers={"authorization": f"Bearer {TOKEN}", "accept": "application/json"}
        )
        self.assertEqual(response.json(), {"actor": {"id": "bot"}})
        self.assertEqual(response.header("cache-control"), "private, no-store")
        table = self.cdn.request("/edge/items.json", headers={"authorization": f"Bearer {TOKEN}"})
        self.assertEqual(table.status, 200, table.text)
        self.assertEqual(table.header("cache-control"), "private, no-store")
        # The same page anonymously: no actor, cacheable as Datasette says.
        anonymous = self.cdn.request("/edge/items.json")
        self.assertEqual(anonymous.header("cache-control"), "max-age=5")
        self.assertEqual(self.cdn.request("/-/actor.json").json(), {"actor": None})

    def test_a_wrong_token_gets_no_actor(self):
        response = self.cdn.request("/-/actor.json", headers={"authorization": "Bearer not-the-token"})
        self.assertEqual(response.json(), {"actor": None})


if __name__ == "__main__":
    unittest.main()
