"""--encoding NAME: text files in any encoding Python knows; without it, UTF-8 (or a BOM's)
and an error naming the line of the first bad byte and the flag that fixes it."""

import codecs
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.convert.conversion import ConversionError, convert_files
from datasette_lambda.convert.text import encoding_for, encoding_problem

EXCEL_CSV = "id,name,price\n1,Crème brûlée,€4\n2,“Quoted” café,£3\n"


class Encodings(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="convert-encoding-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def convert(self, name, out="out.db", **options):
        return convert_files([os.path.join(self.dir, name)], os.path.join(self.dir, out), **options)

    def fails(self, name, **options):
        with self.assertRaises(ConversionError) as caught:
            self.convert(name, out="failed.db", **options)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "failed.db")))
        return caught.exception

    def rows(self, result, sql):
        conn = sqlite3.connect(result["database"])
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def test_a_windows_csv_converts_with_its_encoding_and_fails_without_naming_the_flag(self):
        self.write("excel.csv", EXCEL_CSV.encode("cp1252"))
        result = self.convert("excel.csv", encoding="cp1252")
        self.assertEqual(
            self.rows(result, "SELECT name, price FROM excel ORDER BY id"),
            [("Crème brûlée", "€4"), ("“Quoted” café", "£3")],
        )
        error = self.fails("excel.csv")
        self.assertEqual(error.line, 2)
        self.assertEqual(
            error.reason,
            "not UTF-8 (byte 0xE8): name its encoding with --encoding, e.g. --encoding cp1252 "
            "for a file saved by Excel on Windows (or save it as UTF-8)",
        )

    def test_every_text_format_takes_it(self):
        self.write("a.json", json.dumps([{"name": "Zoë"}], ensure_ascii=False).encode("latin-1"))
        self.write("b.ndjson", '{"name": "ｶﾀｶﾅ"}\n'.encode("shift_jis"))
        self.write("c.yaml", "- name: Zoë\n".encode("latin-1"))
        self.write("d.md", "---\ntitle: Zoë\n---\nbödy\n".encode("latin-1"))
        self.assertEqual(self.rows(self.convert("a.json", encoding="latin-1"), "SELECT name FROM a"), [("Zoë",)])
        self.assertEqual(self.rows(self.convert("b.ndjson", encoding="shift_jis"), "SELECT name FROM b"), [("ｶﾀｶﾅ",)])
        self.assertEqual(self.rows(self.convert("c.yaml", encoding="latin-1"), "SELECT name FROM c"), [("Zoë",)])
        self.assertEqual(
            self.rows(self.convert("d.md", encoding="latin-1"), "SELECT title, body FROM d"), [("Zoë", "bödy")]
        )

    def test_utf16_without_a_bom_given_its_encoding(self):
        self.write("nobom.csv", "a,b\n1,ü\n".encode("utf-16-le"))
        self.assertIn("NUL", self.fails("nobom.csv").reason)
        self.assertEqual(self.rows(self.convert("nobom.csv", encoding="utf-16-le"), "SELECT b FROM nobom"), [("ü",)])

    def test_a_bom_wins_over_the_encoding_given(self):
        self.write("marked.csv", codecs.BOM_UTF8 + "a\né\n".encode())
        self.assertEqual(self.rows(self.convert("marked.csv", encoding="cp1252"), "SELECT a FROM marked"), [("é",)])
        self.assertEqual(encoding_for(codecs.BOM_UTF16_LE + b"a\x00", "cp1252"), "utf-16")
        self.assertEqual(encoding_for(b"a", "cp1252"), "cp1252")
        self.assertEqual(encoding_for(b"a"), "utf-8")
        self.write("broken.csv", codecs.BOM_UTF8 + b"a\n\xff\n")
        error = self.fails("broken.csv")
        self.assertEqual(
            (error.line, error.reason), (2, "not valid UTF-8 (byte 0xFF), though its byte-order mark says it is")
        )

    def test_the_wrong_encoding_names_its_line_far_into_a_file(self):
        good = "".join(f"{i},é{i}\n" for i in range(200_000))  # several MB: past the first chunk
        self.write("late.csv", ("a,b\n" + good).encode("cp1252") + b"x,\x81\n")  # 0x81: undefined in cp1252
        error = self.fails("late.csv", encoding="cp1252")
        self.assertEqual(
            (error.line, error.reason), (200_002, "not valid cp1252 (byte 0x81): is --encoding cp1252 right?")
        )
        self.write("ascii.csv", "a\nplain\nnaïve\n".encode())
        error = self.fails("ascii.csv", encoding="ascii")
        self.assertEqual((error.line, error.reason), (3, "not valid ascii (byte 0xC3): is --encoding ascii right?"))

    def test_an_encoding_python_does_not_know(self):
        self.assertIsNone(encoding_problem("cp1252"))
        self.assertIsNone(encoding_problem("Latin-1"))
        for name in ("nope", "base64", "rot13"):
            with self.subTest(name=name):
                self.assertIn("Python knows no text encoding of that name", encoding_problem(name) or "")
        self.write("a.csv", b"a\n1\n")
        self.assertEqual(
            self.fails("a.csv", encoding="nope").reason,
            "--encoding nope: Python knows no text encoding of that name (e.g. cp1252, latin-1, utf-16, shift_jis)",
        )

    def test_the_command_line_takes_it(self):
        self.write("excel.csv", EXCEL_CSV.encode("cp1252"))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "datasette_lambda.convert",
                "excel.csv",
                "--out",
                "x.db",
                "--encoding",
                "cp1252",
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd=self.dir,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(json.loads(done.stdout)["tables"], {"excel": {"count": 2}})


if __name__ == "__main__":
    unittest.main()
