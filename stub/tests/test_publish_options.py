"""datasette publish's options as the CLI writes them into the manifest, served by the handler."""

import unittest

from harness import activate, make_task_root, request


class MetadataFlags(unittest.TestCase):
    """--title, --license, --source and --about (and their URLs) end up as top-level metadata."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(
            metadata={
                "title": "Flag Title",
                "license": "CC-BY-4.0",
                "license_url": "https://creativecommons.org/licenses/by/4.0/",
                "source": "The Source",
                "source_url": "https://example.com/source",
            }
        )

    def setUp(self):
        activate(self.root.path)

    def test_title_license_and_source_show_on_the_page(self):
        page = request("/").text
        self.assertIn("<h1>Flag Title</h1>", page)
        self.assertIn('href="https://creativecommons.org/licenses/by/4.0/"', page)
        self.assertIn(">CC-BY-4.0</a>", page)
        self.assertIn('href="https://example.com/source"', page)


class CrossDatabaseQueries(unittest.TestCase):
    """--crossdb: /_memory attaches every database, so one query reads two of them."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(inline=("fixtures", "remote"), extra={"crossdb": True})
        cls.without = make_task_root(inline=("fixtures", "remote"))

    def test_one_query_reads_two_databases(self):
        activate(self.root.path)
        sql = (
            "select (select count(*) from fixtures.items) as items,"
            " (select count(*) from remote.remote_rows) as remote_rows"
        )
        response = request("/_memory.json", query={"sql": sql, "_shape": "array"})
        self.assertEqual(response.status, 200, response.text)
        rows = response.json()
        self.assertEqual(len(rows), 1)
        self.assertGreater(rows[0]["items"], 0)
        self.assertGreater(rows[0]["remote_rows"], 0)

    def test_without_crossdb_there_is_no_memory_database(self):
        activate(self.without.path)
        response = request("/_memory.json", query={"sql": "select 1"})
        self.assertEqual(response.status, 404)


class VersionNote(unittest.TestCase):
    def test_the_note_is_on_versions_json(self):
        activate(make_task_root(extra={"versionNote": "built by CI run 42"}).path)
        self.assertEqual(request("/-/versions.json").json()["datasette"]["note"], "built by CI run 42")


if __name__ == "__main__":
    unittest.main()
