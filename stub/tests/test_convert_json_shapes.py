"""GeoJSON and nested JSON: features as rows (properties, geometry, latitude/longitude for
points), an object's lists of objects as tables, read as a stream with their lines."""

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
from datasette_lambda.convert.geojson import feature_record, is_feature
from datasette_lambda.convert.json_stream import JsonStream


def point(lon, lat, **properties):
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


class Shapes(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="convert-json-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def convert(self, *names, **options):
        out = os.path.join(self.dir, options.pop("out", "out.db"))
        return convert_files([os.path.join(self.dir, n) for n in names], out, **options)

    def fails(self, *names, **options):
        with self.assertRaises(ConversionError) as caught:
            self.convert(*names, **options)
        return caught.exception

    def query(self, result, sql):
        conn = sqlite3.connect(result["database"])
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def columns(self, result, table):
        return [(row[1], row[2]) for row in self.query(result, f'PRAGMA table_info("{table}")')]


class GeoJson(Shapes):
    def test_a_feature_collection_of_points_and_a_polygon(self):
        collection = {
            # "type" after "features": members come in any order.
            "features": [
                point(-0.1276, 51.5072, name="London", population=8_800_000),
                point(2, 48, name="Somewhere"),
                {"type": "Feature", "properties": {"name": "Square"}, "geometry": SQUARE},
                {"type": "Feature", "properties": None, "geometry": None},
            ],
            "type": "FeatureCollection",
            "bbox": [-1, 0, 2, 52],
        }
        result = self.convert(self.write("places.geojson", collection).rsplit("/", 1)[1])
        self.assertEqual(result["tables"], {"places": {"count": 4}})
        self.assertEqual(
            self.columns(result, "places"),
            [
                ("name", "TEXT"),
                ("population", "INTEGER"),
                ("geometry", "TEXT"),
                ("latitude", "REAL"),
                ("longitude", "REAL"),
            ],
        )
        rows = self.query(result, "SELECT name, geometry, latitude, longitude FROM places ORDER BY rowid")
        self.assertEqual(rows[0], ("London", '{"type":"Point","coordinates":[-0.1276,51.5072]}', 51.5072, -0.1276))
        self.assertEqual(rows[1][2:], (48.0, 2.0), "whole-number coordinates are still floats")
        self.assertEqual(rows[2], ("Square", json.dumps(SQUARE, separators=(",", ":")), None, None))
        self.assertEqual(rows[3], (None, None, None, None))

    def test_polygons_keep_geometry_only(self):
        collection = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"a": 1}, "geometry": SQUARE}],
        }
        result = self.convert(self.write("areas.json", collection).rsplit("/", 1)[1])
        self.assertEqual([name for name, _ in self.columns(result, "areas")], ["a", "geometry"])

    def test_a_single_feature_and_features_after_it(self):
        self.write("one.json", point(1, 2, name="only"))
        result = self.convert("one.json")
        self.assertEqual(self.query(result, "SELECT name, latitude, longitude FROM one"), [("only", 2.0, 1.0)])
        lines = "\n".join(json.dumps(point(i, i, n=i)) for i in range(3))
        self.write("seq.geojson", lines + "\n")
        self.write("rs.geojsonl", "".join("\x1e" + json.dumps(point(i, -i)) + "\n" for i in range(2)))
        self.write("lines.ndjson", lines)
        seq = self.convert("seq.geojson", "rs.geojsonl", "lines.ndjson", out="seq.db")
        self.assertEqual(seq["tables"], {"seq": {"count": 3}, "rs": {"count": 2}, "lines": {"count": 3}})
        self.assertEqual(self.query(seq, "SELECT n, latitude FROM seq ORDER BY n"), [(0, 0.0), (1, 1.0), (2, 2.0)])
        self.write("then.geojson", json.dumps(point(1, 1)) + '\n{"not": "a feature"}\n')
        error = self.fails("then.geojson")
        self.assertEqual((error.line, error.reason), (2, "expected another GeoJSON Feature, found an object"))

    def test_ids_and_names_the_properties_already_use(self):
        feature = dict(point(5, 6, id="prop", latitude="north"), id=17)
        self.assertTrue(is_feature(feature))
        self.assertFalse(is_feature({"type": "Feature", "name": "a product"}))
        self.assertEqual(
            feature_record(feature),
            [
                ("id", "prop"),
                ("latitude", "north"),
                ("id", 17),
                ("geometry", '{"type":"Point","coordinates":[5,6]}'),
                ("latitude", 6.0),
                ("longitude", 5.0),
            ],
        )
        self.write("ids.json", [feature])
        result = self.convert("ids.json")
        self.assertEqual(
            [name for name, _ in self.columns(result, "ids")],
            ["id", "latitude", "id_2", "geometry", "latitude_2", "longitude"],
        )

    def test_a_collection_without_features(self):
        self.write("none.geojson", {"type": "FeatureCollection", "features": []})
        self.assertEqual(self.fails("none.geojson").reason, "a GeoJSON FeatureCollection without features")

    def test_same_input_same_bytes(self):
        collection = {"type": "FeatureCollection", "features": [point(i / 7, i / 11, i=i) for i in range(500)]}
        self.write("pts.geojson", collection)
        self.assertEqual(
            self.convert("pts.geojson", out="1.db")["sha256"], self.convert("pts.geojson", out="2.db")["sha256"]
        )


class NestedJson(Shapes):
    GRAPH = {
        "directed": True,
        "nodes": [{"id": "a", "group": 1}, {"id": "b", "group": 2}],
        "links": [{"source": "a", "target": "b", "value": 3}],
        "labels": ["not", "objects"],
    }

    def test_each_list_of_objects_is_a_table_named_file_key(self):
        self.write("graph.json", self.GRAPH)
        result = self.convert("graph.json")
        self.assertEqual(result["tables"], {"graph_nodes": {"count": 2}, "graph_links": {"count": 1}})
        self.assertEqual(self.query(result, "SELECT * FROM graph_links"), [("a", "b", 3)])
        self.assertEqual(self.columns(result, "graph_nodes"), [("id", "TEXT"), ("group", "INTEGER")])

    def test_with_key_names_just_the_key(self):
        self.write("graph.json", self.GRAPH)
        result = self.convert("graph.json", key_names=True)
        self.assertEqual(list(result["tables"]), ["nodes", "links"])

    def test_a_single_list_is_the_files_table(self):
        self.write("api.json", {"data": [{"x": 1}, {"x": 2}], "total": 2, "next": None})
        self.write("other.json", {"results": [{"y": 1}]})
        for key_names in (False, True):
            result = self.convert("api.json", "other.json", key_names=key_names, out=f"{key_names}.db")
            self.assertEqual(result["tables"], {"api": {"count": 2}, "other": {"count": 1}})

    def test_tables_of_two_files_with_one_name_clash(self):
        self.write("a.json", {"nodes": [{"x": 1}], "links": [{"y": 1}]})
        self.write("b.json", {"nodes": [{"x": 2}], "edges": [{"y": 2}]})
        error = self.fails("a.json", "b.json", key_names=True)
        self.assertIn("its table 'nodes' would also come from", error.reason)
        self.assertEqual(error.file, os.path.join(self.dir, "b.json"))

    def test_other_shapes_keep_the_error(self):
        for text in ('{"a": 1}', '{"tags": ["x", "y"], "empty": []}', "{}"):
            with self.subTest(text=text):
                self.write("shape.json", text)
                error = self.fails("shape.json")
                self.assertEqual(
                    (error.line, error.reason),
                    (1, "expected a JSON list of objects, found an object without one under any key"),
                )
        self.write("nested.json", '{"data": [\n  {"a": 1},\n  2\n]}')
        error = self.fails("nested.json")
        self.assertEqual((error.line, error.reason), (3, "'data': item 2: expected an object, found a number"))
        self.write("broken.json", '{"data": [{"a": 1}]\n "more": 1}')
        error = self.fails("broken.json")
        self.assertEqual((error.line, error.reason), (2, "not JSON: expecting ',' or '}' after a value"))
        self.write("after.json", '{"data": [{"a": 1}]} {}')
        self.assertIn("more after the object's closing }", self.fails("after.json").reason)

    def test_streamed_across_chunks_with_lines(self):
        self.addCleanup(setattr, JsonStream, "CHUNK", JsonStream.CHUNK)
        JsonStream.CHUNK = 5  # every key, item and string crosses a chunk boundary
        rows = [{"n": i, "text": "é, ü and a comma " * (i % 3)} for i in range(200)]
        text = '{\n "meta": {"note": "x"},\n "first": [\n' + ",\n".join(json.dumps(r) for r in rows) + "\n ],\n"
        text += ' "second": [\n' + ",\n".join(json.dumps(r) for r in rows[:3]) + ',\n {"n": }\n ]\n}\n'
        self.write("big.json", text)
        error = self.fails("big.json")
        self.assertEqual(error.line, 3 + 200 + 2 + 3 + 1)
        self.write("ok.json", text.replace(',\n {"n": }', ""))
        result = self.convert("ok.json")
        self.assertEqual(result["tables"], {"ok_first": {"count": 200}, "ok_second": {"count": 3}})


class Memory(Shapes):
    def test_a_big_feature_collection_is_streamed(self):
        path = os.path.join(self.dir, "big.geojson")
        with open(path, "w") as f:
            f.write('{"type": "FeatureCollection", "features": [\n')
            for i in range(150_000):
                f.write(json.dumps(point(i / 1000, i / 2000, name=f"place number {i}", tags=["a", "b"])) + ",\n")
            f.write(json.dumps(point(0, 0, name="last")) + "\n]}\n")
        # The child's own peak (VmHWM: this process image's, which exec starts afresh), not
        # ru_maxrss, which on Linux keeps the forking test runner's high-water mark.
        probe = (
            "import sys; sys.argv = sys.argv[1:]; import runpy\n"
            "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) // 1024)"
        )
        out = os.path.join(self.dir, "big.db")
        done = subprocess.run(
            [sys.executable, "-c", probe, "datasette_lambda.convert", path, "--out", out],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        peak = int(done.stdout.strip().splitlines()[-1])
        self.assertLess(peak, 100, f"peak RSS {peak} MB for {os.path.getsize(path) // 2**20} MB of GeoJSON")
        conn = sqlite3.connect(out)
        self.addCleanup(conn.close)
        self.assertEqual(conn.execute("SELECT count(*), count(latitude) FROM big").fetchone(), (150_001, 150_001))


if __name__ == "__main__":
    unittest.main()
