"""What every site serving the fixture databases must do, whatever its prefix and CORS setting.

Mixed into a unittest.TestCase that defines site() -> (task_root_path, env, temp_root)
and whose manifest (read from the task root) says the prefix and CORS.
"""

from urllib.parse import urlsplit

from harness import TEST_SECRET, activate, cloudfront_request, read_manifest, request, restart

import fixture_databases
from lambda_events import FUNCTION_URL_HOST, VIEWER_HOST
from links import internal_targets

# Pages whose links are all followed (relative to the site's base URL).
CRAWL_START = [
    "",
    "fixtures",
    "fixtures/items",
    "fixtures/items?_sort=name",
    "fixtures/items?_sort_desc=price&_size=5",
    "fixtures/items?_facet=category_id",
    "fixtures/items?_size=5&_next=5",
    "fixtures/items?category_id=2",
    "fixtures/items/3",
    "fixtures/categories/1",
    "fixtures/dotted~2Etable",
    "fixtures/expensive_items",
    "fixtures/blobs",
    "fixtures?sql=select+*+from+items+limit+3",
]


class ServingTests:
    def site(self):
        raise NotImplementedError

    def setUp(self):
        root, env, temp_root = self.site()
        self.manifest = read_manifest(root)
        activate(root, env, temp_root)
        prefix = self.manifest.get("prefix")
        self.base = f"/{prefix}/" if prefix else "/"

    def get(self, path, **kwargs):
        """A visitor's request through CloudFront (signed by its Origin Access Control)."""
        return cloudfront_request(self.base + path, **kwargs)

    def assertRedirect(self, response, location):
        self.assertIn(response.status, (301, 302, 307, 308), response.text[:300])
        self.assertEqual(response.header("location"), location)

    # -- pages and API ------------------------------------------------------

    def test_index_lists_databases_with_manifest_counts(self):
        page = self.get("")
        self.assertEqual(page.status, 200, page.text[:500])
        self.assertIn("text/html", page.header("content-type"))
        self.assertIn("fixtures", page.text)
        index = self.get(".json").json()
        listed = {t["name"]: t.get("count") for t in index["fixtures"]["tables_and_views_truncated"]}
        expected = {table: entry["count"] for table, entry in self.manifest["inspect"]["fixtures"]["tables"].items()}
        self.assertEqual({t: listed.get(t) for t in expected}, expected)

    def test_table_page(self):
        page = self.get("fixtures/items")
        self.assertEqual(page.status, 200, page.text[:500])
        self.assertIn("item 25", page.text)
        self.assertIn("25 rows", page.text)

    def test_json_api_shape_array(self):
        response = self.get("fixtures/items.json?_shape=array")
        self.assertEqual(response.status, 200)
        self.assertFalse(response.raw.get("isBase64Encoded"))
        self.assertIn("application/json", response.header("content-type"))
        rows = response.json()
        self.assertEqual(len(rows), fixture_databases.FIXTURES_COUNTS["items"])
        self.assertEqual(rows[2], {"id": 3, "name": "item 3", "category_id": 1, "price": 4.5})

    def test_sql_query_html_and_json(self):
        page = self.get("fixtures?sql=select+name+from+items+where+id+%3D+7")
        self.assertEqual(page.status, 200, page.text[:500])
        self.assertIn("item 7", page.text)
        rows = self.get("fixtures.json?sql=select+count(*)+as+n+from+items&_shape=array").json()
        self.assertEqual(rows, [{"n": 25}])

    def test_unknown_table_is_404_not_500(self):
        page = self.get("fixtures/no_such_table")
        self.assertEqual(page.status, 404, page.text[:500])
        self.assertIn("text/html", page.header("content-type"))
        api = self.get("fixtures/no_such_table.json")
        self.assertEqual(api.status, 404)
        self.assertEqual(api.json()["status"], 404)
        self.assertEqual(self.get("no_such_database").status, 404)

    def test_trailing_slash_redirects(self):
        self.assertRedirect(self.get("fixtures/items/"), self.base + "fixtures/items")

    def test_dotted_table_linked_as_percent_2E_redirects_then_serves(self):
        response = self.get("fixtures/dotted%2Etable")
        self.assertRedirect(response, self.base + "fixtures/dotted~2Etable")
        table = cloudfront_request(response.header("location"))
        self.assertEqual(table.status, 200, table.text[:500])
        self.assertIn("three", table.text)
        rows = self.get("fixtures/dotted~2Etable.json?_shape=array").json()
        self.assertEqual([r["value"] for r in rows], ["one", "two", "three"])

    def test_binary_body_is_base64_encoded(self):
        response = self.get("fixtures/blobs/1.blob?_blob_column=data")
        self.assertEqual(response.status, 200)
        self.assertTrue(response.raw["isBase64Encoded"])
        self.assertEqual(response.body, fixture_databases.BLOB_1)

    def test_static_asset(self):
        response = self.get("-/static/app.css")
        self.assertEqual(response.status, 200)
        self.assertIn("text/css", response.header("content-type"))

    # -- headers ------------------------------------------------------------

    def test_cors_headers_follow_the_manifest(self):
        response = self.get("fixtures/items.json")
        self.assertEqual(response.status, 200)
        if self.manifest["cors"]:
            self.assertEqual(response.header("access-control-allow-origin"), "*")
        else:
            self.assertIsNone(response.header("access-control-allow-origin"))

    def test_absolute_urls_use_the_viewer_host_behind_cloudfront(self):
        response = self.get("fixtures/items.json?_size=2")
        next_url = response.json()["next_url"]
        self.assertEqual(next_url, f"https://{VIEWER_HOST}{self.base}fixtures/items.json?_size=2&_next=2")
        self.assertIn(f"<https://{VIEWER_HOST}{self.base}fixtures/items.json?", response.header("link"))
        # Straight to a public Function URL (--no-cdn): its own host, whatever a client forges.
        for headers in ({}, {"x-forwarded-host": "evil.example"}):
            direct = request(self.base + "fixtures/items.json?_size=2", headers=headers)
            self.assertTrue(direct.json()["next_url"].startswith(f"https://{FUNCTION_URL_HOST}{self.base}"))
            self.assertNotIn("evil.example", direct.header("link"))

    def test_signed_cookie_accepted_by_a_new_instance(self):
        # DATASETTE_SECRET is fixed per site, so what one instance signed another accepts.
        from itsdangerous import URLSafeSerializer

        cookie = URLSafeSerializer(TEST_SECRET, "actor").dumps({"a": {"id": "alice"}})
        for _ in range(2):
            actor = self.get("-/actor.json", cookies=[f"ds_actor={cookie}"]).json()
            self.assertEqual(actor, {"actor": {"id": "alice"}})
            restart()
        forged = URLSafeSerializer("another-secret", "actor").dumps({"a": {"id": "mallory"}})
        actor = self.get("-/actor.json", cookies=[f"ds_actor={forged}"]).json()
        self.assertEqual(actor, {"actor": None})

    # -- links and the prefix -----------------------------------------------

    def test_every_link_on_the_pages_resolves(self):
        checked = {}
        for start in CRAWL_START:
            page_url = f"https://{VIEWER_HOST}{self.base}{start}"
            page = self.get(start)
            self.assertEqual(page.status, 200, f"{start}: {page.text[:300]}")
            for written, absolute in internal_targets(page_url, page.text, VIEWER_HOST):
                if absolute in checked:
                    continue
                parts = urlsplit(absolute)
                problem = None
                if parts.netloc and parts.netloc != VIEWER_HOST:
                    problem = f"points at {parts.netloc}"
                elif not parts.path.startswith(self.base):
                    problem = f"outside {self.base}"
                else:
                    response = cloudfront_request(parts.path, query=parts.query or None)
                    location = response.header("location") or ""
                    if response.status >= 400:
                        problem = f"status {response.status}"
                    elif parts.path.endswith(".db") and response.status in (200, 302):
                        pass  # the database download: from the function, or S3 (presigned)
                    elif location and not urlsplit(location).path.startswith(self.base):
                        problem = f"redirects outside to {location}"
                checked[absolute] = (start, written, problem)
        failures = [f"{s}: {w} -> {p}" for s, w, p in checked.values() if p]
        self.assertGreater(len(checked), 40)
        self.assertEqual(failures, [], "\n".join(failures))

    def test_requests_outside_the_prefix_redirect_into_it(self):
        prefix = self.manifest.get("prefix")
        if not prefix:
            self.assertEqual(cloudfront_request("/").status, 200)
            return
        self.assertRedirect(cloudfront_request("/"), self.base)
        self.assertRedirect(cloudfront_request(f"/{prefix}"), self.base)
        self.assertRedirect(cloudfront_request("/", query="a=1"), self.base + "?a=1")
        self.assertRedirect(cloudfront_request("/fixtures/items"), self.base + "fixtures/items")

    def test_databases_json_reports_manifest_hash_and_size(self):
        databases = {d["name"]: d for d in self.get("-/databases.json").json()}
        for entry in self.manifest["databases"]:
            self.assertEqual(databases[entry["name"]]["hash"], entry["sha256"])
            self.assertEqual(databases[entry["name"]]["size"], entry["bytes"])
            self.assertFalse(databases[entry["name"]]["is_mutable"])
