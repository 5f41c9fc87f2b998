"""The converter (datasette_lambda.convert): every format, types, NULLs, errors with lines, determinism."""

import codecs
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.convert.conversion import ConversionError, convert_files


class ConverterTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="convert-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    def convert(self, *names, out="out.db", **options):
        paths = [os.path.join(self.dir, name) for name in names]
        out_path = os.path.join(self.dir, out)
        result = convert_files(paths, out_path, **options)
        return result, out_path

    def fails(self, *names, **options):
        out_path = os.path.join(self.dir, "failed.db")
        before = sorted(os.listdir(self.dir))
        with self.assertRaises(ConversionError) as caught:
            convert_files([os.path.join(self.dir, n) for n in names], out_path, **options)
        self.assertEqual(sorted(os.listdir(self.dir)), before, "nothing is left at the output path, no temp files")
        return caught.exception

    def rows(self, db, sql):
        conn = sqlite3.connect(db)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def schema(self, db, table):
        conn = sqlite3.connect(db)
        try:
            return [(row[1], row[2], row[5]) for row in conn.execute(f'PRAGMA table_info("{table}")')]
        finally:
            conn.close()


class Csv(ConverterTest):
    def test_types_nulls_and_strict_detection(self):
        self.write(
            "data.csv",
            textwrap.dedent("""\
            id,count,price,zip,big,mixed,empty,padded
            1,10,1.5,007,12345678901234567890,1,,  3
            2,-3,2,02134,1,2.5,,4
            3,,1e3,10001,2,x,,5
            """),
        )
        result, db = self.convert("data.csv")
        self.assertEqual(result["tables"], {"data": {"count": 3}})
        self.assertEqual(
            self.schema(db, "data"),
            [
                ("id", "INTEGER", 1),
                ("count", "INTEGER", 0),
                ("price", "REAL", 0),
                ("zip", "TEXT", 0),
                ("big", "TEXT", 0),
                ("mixed", "TEXT", 0),
                ("empty", "TEXT", 0),
                ("padded", "TEXT", 0),
            ],
        )
        self.assertEqual(
            self.rows(db, "SELECT * FROM data ORDER BY id"),
            [
                (1, 10, 1.5, "007", "12345678901234567890", "1", None, "  3"),
                (2, -3, 2.0, "02134", "1", "2.5", None, "4"),
                (3, None, 1000.0, "10001", "2", "x", None, "5"),
            ],
        )
        self.assertEqual(
            self.rows(db, "SELECT typeof(count), typeof(price) FROM data WHERE id = 3"), [("null", "real")]
        )

    def test_unicode_quoted_newlines_and_doubled_quotes(self):
        self.write(
            "people.csv", 'name,note,città\n"Zoë ""Z"" Ng","line one\nline two, with a comma",Zürich\n名前,"",東京\n'
        )
        result, db = self.convert("people.csv")
        self.assertEqual(result["tables"], {"people": {"count": 2}})
        self.assertEqual(
            self.rows(db, "SELECT * FROM people"),
            [
                ('Zoë "Z" Ng', "line one\nline two, with a comma", "Zürich"),
                ("名前", None, "東京"),
            ],
        )

    def test_crlf_line_endings(self):
        self.write("crlf.csv", 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n')
        _, db = self.convert("crlf.csv")
        self.assertEqual(self.rows(db, "SELECT * FROM crlf"), [(1, "x\r\ny"), (2, "z")])

    def test_utf8_bom_is_not_part_of_the_first_column(self):
        self.write("bom.csv", codecs.BOM_UTF8 + b"id,name\n1,Ann\n")
        _, db = self.convert("bom.csv")
        self.assertEqual([c[0] for c in self.schema(db, "bom")], ["id", "name"])
        self.assertEqual(self.rows(db, "SELECT * FROM bom"), [(1, "Ann")])

    def test_utf16_with_bom_is_decoded(self):
        self.write("excel.tsv", "name\tn\nJosé\t5\n".encode("utf-16"))
        _, db = self.convert("excel.tsv")
        self.assertEqual(self.rows(db, "SELECT * FROM excel"), [("José", 5)])

    def test_header_only_gives_an_empty_table(self):
        self.write("header.csv", "a,b,c\n")
        result, db = self.convert("header.csv")
        self.assertEqual(result["tables"], {"header": {"count": 0}})
        self.assertEqual(self.schema(db, "header"), [("a", "TEXT", 0), ("b", "TEXT", 0), ("c", "TEXT", 0)])

    def test_empty_file_fails(self):
        self.write("empty.csv", "")
        error = self.fails("empty.csv")
        self.assertEqual((error.line, error.reason), (1, "empty file: no header row"))

    def test_blank_lines_are_skipped_and_blank_or_repeated_headers_named(self):
        self.write("odd.csv", "name,,Name,name\n\nA,1,2,3\n\n")
        _, db = self.convert("odd.csv")
        self.assertEqual([c[0] for c in self.schema(db, "odd")], ["name", "column_2", "Name_2", "name_3"])
        self.assertEqual(self.rows(db, "SELECT * FROM odd"), [("A", 1, 2, 3)])

    def test_a_row_with_too_many_fields_names_its_line(self):
        # The quoted newline on line 2 makes the bad row start on line 4, not the 3rd record's "line 3".
        self.write("bad.csv", 'a,b\n1,"two\nlines"\n3,4,5\n')
        error = self.fails("bad.csv")
        self.assertEqual((error.file, error.line), (os.path.join(self.dir, "bad.csv"), 4))
        self.assertEqual(error.reason, "3 fields where the header has 2")
        self.assertEqual(str(error), f"{error.file}:4: 3 fields where the header has 2")

    def test_a_row_with_too_few_fields_fails_too(self):
        self.write("short.csv", "a,b,c\n1,2,3\n4,5\n")
        self.assertEqual(self.fails("short.csv").line, 3)

    def test_unclosed_quote_names_the_line_it_opens_on(self):
        self.write("open.csv", 'a,b\n1,2\n3,"never closed\n4,5\n')
        error = self.fails("open.csv")
        self.assertEqual(error.line, 3)
        self.assertIn("not closed", error.reason)

    def test_text_after_a_closing_quote(self):
        self.write("stray.csv", 'a,b\n1,"x"y\n')
        error = self.fails("stray.csv")
        self.assertEqual(error.line, 2)
        self.assertIn("closing quote", error.reason)

    def test_non_utf8_is_reported_with_its_line(self):
        self.write("latin1.csv", "name,city\nAnn,Paris\nJos\xe9,M\xe1laga\n".encode("cp1252"))
        error = self.fails("latin1.csv")
        self.assertEqual(error.line, 3)
        self.assertIn("not UTF-8 (byte 0xE9)", error.reason)

    def test_non_utf8_far_into_a_big_file_is_found(self):
        good = "".join(f"{i},é{i}\n" for i in range(200_000))  # several MB: past the reader's first chunk
        self.write("late.csv", ("a,b\n" + good).encode() + b"x,\xff\n")
        self.assertEqual(self.fails("late.csv").line, 200_002)

    def test_utf16_without_bom_is_reported(self):
        self.write("nobom.csv", "a,b\n1,2\n".encode("utf-16-le"))
        self.assertIn("NUL", self.fails("nobom.csv").reason)

    def test_tsv(self):
        self.write("t.tsv", "a\tb\n1\thello, world\n2\t\n")
        _, db = self.convert("t.tsv")
        self.assertEqual(self.rows(db, "SELECT * FROM t"), [(1, "hello, world"), (2, None)])


class PrimaryKeys(ConverterTest):
    def test_a_unique_id_column_becomes_the_primary_key(self):
        self.write("a.csv", "name,id\nx,b\ny,a\n")
        _, db = self.convert("a.csv")
        self.assertEqual(self.schema(db, "a"), [("name", "TEXT", 0), ("id", "TEXT", 1)])

    def test_a_repeated_or_empty_id_is_just_a_column(self):
        self.write("dup.csv", "id,v\n1,a\n1,b\n")
        self.write("hole.csv", "id,v\n1,a\n,b\n")
        _, db = self.convert("dup.csv", "hole.csv")
        self.assertEqual(self.schema(db, "dup"), [("id", "INTEGER", 0), ("v", "TEXT", 0)])
        self.assertEqual(self.schema(db, "hole"), [("id", "INTEGER", 0), ("v", "TEXT", 0)])
        self.assertEqual(self.rows(db, "SELECT * FROM dup"), [(1, "a"), (1, "b")])

    def test_pk_option(self):
        self.write("a.csv", "code,name\nx,1\ny,2\n")
        _, db = self.convert("a.csv", pk="code")
        self.assertEqual(self.schema(db, "a")[0], ("code", "TEXT", 1))

    def test_pk_must_exist_be_unique_and_present(self):
        self.write("a.csv", 'code,name\nx,1\n"y\ny",2\nx,3\n,4\n')
        self.assertEqual(self.fails("a.csv", pk="nope").reason, "--pk nope: no such column (columns: code, name)")
        self.write("b.csv", 'code,name\nx,1\n"y\ny",2\nx,3\n')
        error = self.fails("b.csv", pk="code")
        self.assertEqual((error.line, error.reason), (5, "--pk code: 'x' is also on line 2"))
        self.write("c.csv", "code,name\nx,1\n,4\n")
        error = self.fails("c.csv", pk="code")
        self.assertEqual((error.line, error.reason), (3, "--pk code: a row with no code"))


class Json(ConverterTest):
    def test_array_of_objects_keeps_json_types(self):
        self.write(
            "items.json",
            json.dumps(
                [
                    {"id": 1, "name": "a", "price": 1.5, "tags": ["x", "y"], "ok": True, "code": "007"},
                    {"id": 2, "name": "b", "price": 2, "extra": {"k": "v"}, "ok": False, "code": "8"},
                    {"id": 3, "name": None},
                ]
            ),
        )
        result, db = self.convert("items.json")
        self.assertEqual(result["tables"], {"items": {"count": 3}})
        self.assertEqual(
            self.schema(db, "items"),
            [
                ("id", "INTEGER", 1),
                ("name", "TEXT", 0),
                ("price", "REAL", 0),
                ("tags", "TEXT", 0),
                ("ok", "INTEGER", 0),
                ("code", "TEXT", 0),
                ("extra", "TEXT", 0),
            ],
        )
        self.assertEqual(
            self.rows(db, "SELECT * FROM items"),
            [
                (1, "a", 1.5, '["x", "y"]', 1, "007", None),
                (2, "b", 2.0, None, 0, "8", '{"k": "v"}'),
                (3, None, None, None, None, None, None),
            ],
        )

    def test_errors(self):
        self.write("syntax.json", '[\n  {"a": 1},\n  {"a": 2,}\n]')
        error = self.fails("syntax.json")
        self.assertEqual(error.line, 3)
        self.assertIn("not JSON", error.reason)
        self.write("object.json", '{"a": 1}')
        self.assertIn("expected a JSON list of objects, found an object", self.fails("object.json").reason)
        self.write("scalar.json", '[{"a": 1},\n 2]')
        error = self.fails("scalar.json")
        self.assertEqual((error.line, error.reason), (2, "item 2: expected an object, found a number"))
        self.write("trailing.json", '[{"a": 1}] x')
        self.assertIn("more after the list", self.fails("trailing.json").reason)
        self.write("unclosed.json", '[{"a": 1},\n{"a": 2}')
        error = self.fails("unclosed.json")
        self.assertEqual(error.line, 2)
        self.write("empty.json", "  \n")
        self.assertIn("empty file", self.fails("empty.json").reason)

    def test_empty_array_is_an_error_not_a_table_without_columns(self):
        self.write("none.json", "[]")
        self.assertIn("no columns", self.fails("none.json").reason)

    def test_arrays_are_streamed_across_chunks_with_lines(self):
        from datasette_lambda.convert.json_stream import JsonStream

        self.addCleanup(setattr, JsonStream, "CHUNK", JsonStream.CHUNK)
        JsonStream.CHUNK = 7  # every item and string crosses a chunk boundary
        items = [
            {"n": i, "text": "a fairly long string, é ü " * (i % 3), "nested": {"deep": [i, i + 0.5]}}
            for i in range(300)
        ]
        self.write("stream.json", "[\n" + ",\n".join(json.dumps(item) for item in items) + "\n]\n")
        result, db = self.convert("stream.json")
        self.assertEqual(result["tables"], {"stream": {"count": 300}})
        self.assertEqual(self.rows(db, "SELECT count(*), sum(n) FROM stream"), [(300, sum(range(300)))])
        self.write("late.json", "[\n" + ",\n".join(json.dumps(item) for item in items) + ',\n{"n": 1,}\n]')
        error = self.fails("late.json")
        self.assertEqual(error.line, 302)
        self.assertIn("not JSON", error.reason)

    def test_ndjson(self):
        self.write("log.ndjson", '{"a": 1}\n\n{"a": 2, "b": "x"}\n')
        result, db = self.convert("log.ndjson")
        self.assertEqual(self.rows(db, "SELECT * FROM log"), [(1, None), (2, "x")])
        self.write("bad.jsonl", '{"a": 1}\n{"a": \n')
        error = self.fails("bad.jsonl")
        self.assertEqual(error.line, 2)
        self.assertIn("not JSON", error.reason)


class Yaml(ConverterTest):
    def test_list_of_objects(self):
        self.write("events.yaml", "- name: launch\n  when: 2024-05-01\n  n: 3\n- name: party\n  n: 4.5\n")
        _, db = self.convert("events.yaml")
        self.assertEqual(self.rows(db, "SELECT * FROM events"), [("launch", "2024-05-01", 3.0), ("party", None, 4.5)])

    def test_syntax_error_line(self):
        self.write("bad.yml", "- a: 1\n- b: [2\n- c: 3\n")
        error = self.fails("bad.yml")
        self.assertIsNotNone(error.line)
        self.assertIn("not YAML", error.reason)


class Markdown(ConverterTest):
    def test_front_matter_fields_then_body(self):
        self.write(
            "post.md", "---\ntitle: Hello\ndate: 2024-01-02\ntags: [a, b]\nbody: not the body\n---\n\n# Hi\n\nText.\n"
        )
        result, db = self.convert("post.md")
        self.assertEqual(result["tables"], {"post": {"count": 1}})
        self.assertEqual([c[0] for c in self.schema(db, "post")], ["title", "date", "tags", "body_2", "body"])
        self.assertEqual(
            self.rows(db, "SELECT * FROM post"),
            [("Hello", "2024-01-02", '["a", "b"]', "not the body", "# Hi\n\nText.")],
        )

    def test_no_front_matter(self):
        self.write("plain.md", "Just text.\n")
        _, db = self.convert("plain.md")
        self.assertEqual(self.rows(db, "SELECT * FROM plain"), [("Just text.",)])

    def test_several_files_into_one_table(self):
        self.write("a.md", "---\ntitle: A\n---\nfirst\n")
        self.write("b.md", "---\ntitle: B\nauthor: me\n---\nsecond\n")
        result, db = self.convert("a.md", "b.md", table="posts")
        self.assertEqual(result["tables"], {"posts": {"count": 2}})
        self.assertEqual(self.rows(db, "SELECT * FROM posts"), [("A", None, "first"), ("B", "me", "second")])

    def test_bad_front_matter_names_its_line(self):
        self.write("bad.md", "---\ntitle: ok\nlist: [1, 2\n---\nbody\n")
        error = self.fails("bad.md")
        self.assertIn(error.line, (3, 4))
        self.assertIn("front matter", error.reason)


class Excel(ConverterTest):
    def make_workbook(self, name):
        import openpyxl

        workbook = openpyxl.Workbook()
        first = workbook.active
        first.title = "People"
        first.append(["id", "name", "score", "joined"])
        first.append([1, "Ann", 1.5, datetime.date(2024, 1, 2)])
        first.append([2, "Émile", None, None])
        first.append([None, None, None, None])  # formatted but empty: skipped
        second = workbook.create_sheet("Places")
        second.append(["city", "zip"])
        second.append(["Boston", "02134"])
        workbook.create_sheet("Empty")
        path = os.path.join(self.dir, name)
        workbook.save(path)
        return path

    def test_two_sheets_two_tables(self):
        self.make_workbook("book.xlsx")
        result, db = self.convert("book.xlsx")
        self.assertEqual(result["tables"], {"People": {"count": 2}, "Places": {"count": 1}})
        self.assertEqual(
            self.schema(db, "People"),
            [("id", "INTEGER", 1), ("name", "TEXT", 0), ("score", "REAL", 0), ("joined", "TEXT", 0)],
        )
        self.assertEqual(
            self.rows(db, "SELECT * FROM People"), [(1, "Ann", 1.5, "2024-01-02T00:00:00"), (2, "Émile", None, None)]
        )
        self.assertEqual(self.rows(db, "SELECT * FROM Places"), [("Boston", "02134")])

    def test_not_a_workbook(self):
        self.write("fake.xlsx", "id,name\n")
        self.assertIn("not a readable .xlsx", self.fails("fake.xlsx").reason)

    def test_determinism(self):
        self.make_workbook("book.xlsx")
        first, _ = self.convert("book.xlsx", out="1.db")
        second, _ = self.convert("book.xlsx", out="2.db")
        self.assertEqual(first["sha256"], second["sha256"])


class Inputs(ConverterTest):
    def test_sqlite_is_detected_by_its_header_whatever_the_name(self):
        path = os.path.join(self.dir, "actually.csv")
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (a)")
        conn.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
        conn.commit()
        conn.close()
        result, db = self.convert("actually.csv")
        self.assertEqual(result["tables"], {"t": {"count": 2}})
        with open(path, "rb") as a, open(db, "rb") as b:
            self.assertEqual(a.read(), b.read(), "an SQLite input is published as it is")
        self.write("other.csv", "a\n1\n")
        self.assertIn("published as it is", self.fails("actually.csv", "other.csv").reason)

    def test_unknown_missing_and_clashing(self):
        self.write("notes.txt", "hello")
        self.assertIn("unknown format", self.fails("notes.txt").reason)
        self.assertEqual(self.fails("missing.csv").reason, "no such file")
        self.write("a.csv", "x\n1\n")
        self.write("a.json", '[{"x": 1}]')
        self.assertIn("would also come from", self.fails("a.csv", "a.json").reason)

    def test_table_option_merges_inputs(self):
        self.write("jan.csv", "day,n\n1,5\n")
        self.write("feb.csv", "day,n,note\n1,7.5,x\n")
        result, db = self.convert("jan.csv", "feb.csv", table="sales")
        self.assertEqual(result["tables"], {"sales": {"count": 2}})
        self.assertEqual(self.schema(db, "sales"), [("day", "INTEGER", 0), ("n", "REAL", 0), ("note", "TEXT", 0)])
        self.assertEqual(self.rows(db, "SELECT * FROM sales"), [(1, 5.0, None), (1, 7.5, "x")])

    def test_output_is_replaced_atomically_and_reported(self):
        self.write("a.csv", "x\n1\n")
        result, db = self.convert("a.csv")
        with open(db, "rb") as f:
            content = f.read()
        self.assertEqual(result["bytes"], len(content))
        self.assertEqual(result["sha256"], hashlib.sha256(content).hexdigest())
        self.assertEqual(result["database"], db)


class Determinism(ConverterTest):
    def test_same_input_same_bytes(self):
        self.write("a.csv", "id,name,v\n" + "".join(f"{i},name {i},{i * 0.5}\n" for i in range(5000)))
        self.write("dup.csv", "id,v\n1,a\n1,b\n")  # the primary-key fallback path
        self.write("b.json", json.dumps([{"k": i, "tags": [i]} for i in range(100)]))
        self.write("c.md", "---\ntitle: T\n---\nbody\n")
        first, _ = self.convert("a.csv", "dup.csv", "b.json", "c.md", out="1.db")
        second, _ = self.convert("a.csv", "dup.csv", "b.json", "c.md", out="2.db")
        self.assertEqual(first["sha256"], second["sha256"])
        self.assertEqual(first["bytes"], second["bytes"])
        self.assertEqual(list(first["tables"]), ["a", "dup", "b", "c"])


class CommandLine(ConverterTest):
    def run_cli(self, *args):
        return subprocess.run(
            [sys.executable, "-m", "datasette_lambda.convert", *args],
            capture_output=True,
            text=True,
            cwd=self.dir,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )

    def test_success_and_failure(self):
        self.write("ok.csv", "a\n1\n")
        done = self.run_cli("ok.csv", "--out", "ok.db", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout)
        self.assertEqual(result["tables"], {"ok": {"count": 1}})
        self.assertEqual(result["database"], "ok.db")

        self.write("bad.csv", "a,b\n1\n")
        failed = self.run_cli("bad.csv", "--out", "bad.db")
        self.assertEqual(failed.returncode, 2)
        self.assertEqual(failed.stderr, "bad.csv:2: 1 field where the header has 2\n")
        self.assertEqual(failed.stdout, "")
        failed = self.run_cli("bad.csv", "--out", "bad.db", "--json")
        self.assertEqual(failed.returncode, 2)
        self.assertEqual(
            json.loads(failed.stdout),
            {"error": {"file": "bad.csv", "line": 2, "reason": "1 field where the header has 2"}},
        )
        self.assertFalse(os.path.exists(os.path.join(self.dir, "bad.db")))

    def peak_mb(self, path):
        # The converter's own peak: VmHWM, its address space's high-water mark. Not ru_maxrss, which Linux carries
        # across exec from the process that forked it (this test's, as big as the tests run before it made it).
        probe = (
            "import resource, sys; sys.argv = sys.argv[1:]; import runpy\n"
            "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "try:\n    status = open('/proc/self/status').read()\n"
            "except OSError:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
            "else:\n    print(int(status.split('VmHWM:')[1].split()[0]) // 1024)"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe, "datasette_lambda.convert", path, "--out", os.path.join(self.dir, "big.db")],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        return int(done.stdout.strip().splitlines()[-1])

    def test_memory_stays_bounded_on_a_big_csv(self):
        # ~40 MB of CSV: holding its rows as Python objects would take several times that.
        path = os.path.join(self.dir, "big.csv")
        with open(path, "w") as f:
            f.write("id,name,value,note\n")
            row = "{},name number {},{}.25,some longer text to make the rows wider than they need to be\n"
            for i in range(400_000):
                f.write(row.format(i, i, i))
        peak = self.peak_mb(path)
        self.assertLess(peak, 100, f"peak RSS {peak} MB")
        self.assertEqual(
            self.rows(os.path.join(self.dir, "big.db"), "SELECT count(*), sum(id) FROM big"),
            [(400_000, sum(range(400_000)))],
        )

    def test_memory_stays_bounded_on_a_big_json_array(self):
        path = os.path.join(self.dir, "big.json")
        with open(path, "w") as f:
            f.write("[\n")
            for i in range(200_000):
                f.write(f'{{"id": {i}, "name": "name number {i}", "value": {i}.25, "tags": ["a", "b"]}},\n')
            f.write('{"id": -1}\n]\n')
        peak = self.peak_mb(path)
        self.assertLess(peak, 100, f"peak RSS {peak} MB")
        self.assertEqual(self.rows(os.path.join(self.dir, "big.db"), "SELECT count(*) FROM big"), [(200_001,)])


if __name__ == "__main__":
    unittest.main()
