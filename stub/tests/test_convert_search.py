"""--fts COLUMN: converted tables searchable the way Datasette detects, the same bytes twice,
and ?_search= answered by the site (the handler serving the converted database)."""

import contextlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
import unittest

import harness
from harness import activate, make_task_root, request

from datasette.utils import detect_fts

from datasette_lambda.convert import __main__ as convert_main
from datasette_lambda.convert.conversion import ConversionError, convert_files
from datasette_lambda.convert.search import index_clash, searchable_columns

POSTS = (
    "id,title,body,score\n"
    "1,Lambda and Datasette,Serving SQLite from a function,5\n"
    "2,Maps,Points become latitude and longitude,3\n"
    "3,Encodings,Windows files are cp1252 more often than not,4\n"
)


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Pure(unittest.TestCase):
    def test_columns_are_matched_without_case_in_the_order_asked(self):
        self.assertEqual(
            searchable_columns(["id", "Title", "body"], ["BODY", "title", "missing", "body"]), ["body", "Title"]
        )
        self.assertEqual(searchable_columns(["id"], ["title"]), [])

    def test_an_index_name_taken_by_a_table(self):
        self.assertEqual(index_clash("posts", ["posts", "Posts_FTS"]), "posts_fts")
        self.assertEqual(index_clash("posts", ["posts", "comments"]), None)


class Converted(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="convert-search-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def convert(self, *names, out="out.db", **options):
        return convert_files([os.path.join(self.dir, n) for n in names], os.path.join(self.dir, out), **options)

    def test_an_fts5_index_datasette_detects(self):
        write(self.dir, "posts.csv", POSTS)
        write(self.dir, "scores.csv", "id,score\n1,5\n")
        result = self.convert("posts.csv", "scores.csv", fts=["title", "body"])
        self.assertEqual(result["search"], {"posts": ["title", "body"]}, "only the table that has the columns")
        conn = sqlite3.connect(result["database"])
        self.addCleanup(conn.close)
        self.assertEqual(detect_fts(conn, "posts"), "posts_fts")
        self.assertIsNone(detect_fts(conn, "scores"))
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_fts'").fetchone()[0]
        self.assertIn("USING FTS5", sql)
        found = conn.execute(
            "SELECT id FROM posts WHERE rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?) ORDER BY id",
            ["cp1252 OR sqlite"],
        ).fetchall()
        self.assertEqual(found, [(1,), (3,)])
        self.assertEqual(conn.execute("PRAGMA freelist_count").fetchone()[0], 0, "no free pages left behind")

    def test_the_same_bytes_on_a_second_build(self):
        rows = "".join(f"{i},title {i} word{i % 97},body text number {i} of many,{i % 7}\n" for i in range(5, 20000))
        write(self.dir, "posts.csv", POSTS + rows)
        first = self.convert("posts.csv", out="1.db", fts=["title", "body"])
        second = self.convert("posts.csv", out="2.db", fts=["title", "body"])
        self.assertEqual(first["sha256"], second["sha256"])
        plain = self.convert("posts.csv", out="3.db")
        self.assertNotEqual(plain["sha256"], first["sha256"], "the index is in the file")
        self.assertNotIn("search", plain)

    def test_the_command_lines_result_is_the_contracts(self):
        # The --json line with "search", as contract/schemas/conversion-result.schema.json has it.
        from test_contract import schema_errors

        write(self.dir, "posts.csv", POSTS)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = convert_main.main(
                [
                    os.path.join(self.dir, "posts.csv"),
                    "--out",
                    os.path.join(self.dir, "o.db"),
                    "--fts",
                    "title",
                    "--json",
                ]
            )
        self.assertEqual(code, 0)
        line = out.getvalue().strip().splitlines()[-1]
        self.assertEqual(schema_errors("conversion-result", line), [])
        self.assertEqual(json.loads(line)["search"], {"posts": ["title"]})

    def test_no_table_with_the_column_gives_no_index_and_says_so(self):
        write(self.dir, "scores.csv", "id,score\n1,5\n")
        result = self.convert("scores.csv", fts=["title"])
        self.assertEqual(result["search"], {})

    def test_an_sqlite_input_is_not_changed(self):
        path = os.path.join(self.dir, "data.db")
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (title)")
        conn.commit()
        conn.close()
        with self.assertRaises(ConversionError) as caught:
            self.convert("data.db", fts=["title"])
        self.assertIn("without --table, --pk or --fts", caught.exception.reason)

    def test_an_index_name_taken_by_a_converted_table_is_an_error(self):
        write(self.dir, "posts.csv", POSTS)
        write(self.dir, "posts_fts.csv", "id,title\n1,x\n")
        with self.assertRaises(ConversionError) as caught:
            self.convert("posts.csv", "posts_fts.csv", fts=["title"])
        self.assertIn("would be named 'posts_fts'", caught.exception.reason)
        self.assertEqual(sorted(os.listdir(self.dir)), ["posts.csv", "posts_fts.csv"], "nothing left behind")


class Served(unittest.TestCase):
    """The converted database served by the handler: Datasette's search box and ?_search=."""

    @classmethod
    def setUpClass(cls):
        source = tempfile.mkdtemp(dir=harness.SESSION_DIR, prefix="search-source-")
        write(source, "posts.csv", POSTS)
        db = os.path.join(source, "searchable.db")
        convert_files([os.path.join(source, "posts.csv")], db, fts=["title", "body"])
        harness.FIXTURE_WRITERS["searchable"] = lambda path: shutil.copyfile(db, path)
        cls.root = make_task_root(inline=("searchable",))

    def setUp(self):
        activate(self.root.path)

    def test_search_answers_with_the_matching_rows(self):
        response = request("/searchable/posts.json", {"_search": "cp1252", "_shape": "array"})
        self.assertEqual(response.status, 200, response.text)
        self.assertEqual([row["id"] for row in response.json()], [3])
        response = request(
            "/searchable/posts.json", {"_search": "latitude OR function", "_searchmode": "raw", "_shape": "array"}
        )
        self.assertEqual(sorted(row["id"] for row in response.json()), [1, 2])

    def test_the_table_page_has_a_search_box(self):
        response = request("/searchable/posts")
        self.assertEqual(response.status, 200)
        self.assertIn('name="_search"', response.text)


if __name__ == "__main__":
    unittest.main()
