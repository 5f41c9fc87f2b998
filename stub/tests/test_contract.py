"""The contract between the runtime and the CLI, from the Python side: the golden examples agree
with the schemas, the runtime's readers make of each example what the examples say
(test/live/contract.test.ts runs the CLI's readers over the same files), and what the runtime
and the converter write passes the schemas."""

import contextlib
import io
import json
import os
import sqlite3
import tempfile
import unittest
from datetime import datetime, timezone

import harness
from harness import CONTRACT_DIR, SESSION_DIR, make_task_root, request

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from datasette_lambda.contract.live_manifest import (
    LIVE_MANIFEST_KEY,
    LiveManifestError,
    entry_problem,
    live_entries,
    read_live_manifest,
)
from datasette_lambda.contract.names import LiveNameError, check_name, name_from_file, name_problem
from datasette_lambda.convert import __main__ as convert_main
from datasette_lambda.convert.publish import publish_database, record_failure
from moto_server import ModuleMoto

SCHEMAS = os.path.join(CONTRACT_DIR, "schemas")
EXAMPLES = os.path.join(SCHEMAS, "examples")
DOCUMENTS = ("live-manifest", "deployed-record", "site-status", "conversion-result")

moto = ModuleMoto()
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_schemas = {document: load(os.path.join(SCHEMAS, f"{document}.schema.json")) for document in DOCUMENTS}
_registry = Registry().with_resources((schema["$id"], Resource.from_contents(schema)) for schema in _schemas.values())


def validator(document, definition=None):
    ref = f"urn:datasette-lambda:{document}" + (f"#/$defs/{definition}" if definition else "")
    return Draft202012Validator({"$ref": ref}, registry=_registry)


def schema_errors(document, text):
    try:
        value = json.loads(text)
    except ValueError as e:
        return [f"not JSON: {e}"]
    return [f"{list(e.absolute_path)} {e.message}" for e in validator(document).iter_errors(value)]


def examples(document):
    directory = os.path.join(EXAMPLES, document)
    for file in sorted(os.listdir(directory)):
        if file.startswith(("valid-", "invalid-")) and file.endswith(".json"):
            with open(os.path.join(directory, file), "rb") as f:
                yield file, file.startswith("valid-"), f.read()


class SchemasAndExamples(unittest.TestCase):
    def test_the_schemas_are_json_schema_2020_12(self):
        for schema in _schemas.values():
            Draft202012Validator.check_schema(schema)

    def test_every_golden_example_is_valid_or_invalid_by_its_schema_as_its_name_says(self):
        for document in DOCUMENTS:
            seen = {True: 0, False: 0}
            for file, valid, text in examples(document):
                seen[valid] += 1
                with self.subTest(example=f"{document}/{file}"):
                    errors = schema_errors(document, text)
                    self.assertEqual(not errors, valid, errors)
            self.assertTrue(seen[True] and seen[False], f"{document}: examples of both kinds")


class LiveManifestReaders(unittest.TestCase):
    def test_the_reader_refuses_serves_and_skips_what_readers_json_says_for_every_example(self):
        expected = load(os.path.join(EXAMPLES, "live-manifest", "readers.json"))
        files = {file: text for file, _, text in examples("live-manifest")}
        self.assertEqual(sorted(k for k in expected if k.endswith(".json")), sorted(files))
        for file, text in files.items():
            want = expected[file]
            with self.subTest(example=file):
                if want.get("refused"):
                    with self.assertRaises(LiveManifestError):
                        read_live_manifest(text)
                    continue
                served, problems = live_entries(read_live_manifest(text), want.get("deployed", ()))
                self.assertEqual(list(served), want["served"])
                self.assertEqual(dict(problems), want["problems"])

    def test_an_entry_the_reader_serves_is_one_the_schema_accepts_and_only_such(self):
        database, name_schema = validator("live-manifest", "database"), validator("live-manifest", "name")
        count = 0
        for _, _, text in examples("live-manifest"):
            try:
                document = read_live_manifest(text)
            except LiveManifestError:
                continue
            for name, entry in document["databases"].items():
                count += 1
                with self.subTest(entry=name):
                    served = (name_problem(name) or entry_problem(entry)) is None
                    self.assertEqual(served, name_schema.is_valid(name) and database.is_valid(entry))
        self.assertGreater(count, 20)


class NameRule(unittest.TestCase):
    def test_every_publishers_name_and_error_for_each_example(self):
        cases = load(os.path.join(EXAMPLES, "names", "cases.json"))
        for case in cases["files"]:
            with self.subTest(file=case["file"]):
                self.assertEqual(name_from_file(case["file"]), case["name"])
                try:
                    check_name(case["name"], case["file"])
                    error = None
                except LiveNameError as e:
                    error = str(e)
                    self.assertEqual((e.file, e.line), (case["file"], None))
                self.assertEqual(error, case["error"])
        for case in cases["taken"]:
            with self.subTest(name=case["name"], taken=case["taken"]):
                self.assertEqual(name_problem(case["name"], case["taken"]), case["problem"])
        # A flag is the CLI's; its problem (the part before the fix) is the same rule's.
        for case in cases["flags"]:
            with self.subTest(flag=repr(case["name"])):
                problem = name_problem(case["name"])
                self.assertEqual(problem is None, case["error"] is None)
                if problem is not None:
                    self.assertIn(problem, case["error"])


class WhatThePythonSideWrites(unittest.TestCase):
    def setUp(self):
        self.addCleanup(harness.deactivate)

    def test_the_converter_result_and_error(self):
        directory = tempfile.mkdtemp(dir=SESSION_DIR)
        good, bad = os.path.join(directory, "good.csv"), os.path.join(directory, "bad.csv")
        with open(good, "w") as f:
            f.write("id,name\n1,a\n")
        with open(bad, "w") as f:
            f.write("id,name\n1,a,b\n")
        for inputs, code in (([good], 0), ([bad], 2)):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                returned = convert_main.main([*inputs, "--out", os.path.join(directory, "out.db"), "--json"])
            self.assertEqual(returned, code)
            self.assertEqual(schema_errors("conversion-result", out.getvalue().strip().splitlines()[-1]), [])

    def test_the_converter_functions_publisher_writes_the_live_manifest(self):
        s3, bucket = moto.client(), "contract-publisher"
        s3.create_bucket(Bucket=bucket)
        path = os.path.join(tempfile.mkdtemp(dir=SESSION_DIR), "sales.db")
        with sqlite3.connect(path) as db:
            db.execute("create table sales (id integer primary key)")
        for name in ("sales", "animals"):
            publish_database(
                s3,
                bucket,
                name=name,
                path=path,
                tables={name: {"count": 0}},
                data_as_of="2026-11-30T09:00:00Z" if name == "sales" else None,
                source=f"{name}.csv",
                now=datetime.now(timezone.utc),
            )
        record_failure(
            s3,
            bucket,
            source="team/bad.csv",
            reason="team/bad.csv:3: no",
            at=datetime.now(timezone.utc),
            key="failed/team/bad.csv",
        )
        text = s3.get_object(Bucket=bucket, Key=LIVE_MANIFEST_KEY)["Body"].read()
        self.assertEqual(schema_errors("live-manifest", text), [])
        document = read_live_manifest(text)
        self.assertEqual(
            (sorted(document["databases"]), list(document["failed"])), (["animals", "sales"], ["team/bad.csv"])
        )

    def test_the_status_endpoint_for_a_visitor_who_may_see_everything_and_one_who_may_see_nothing(self):
        root = make_task_root(metadata={"title": "Closed", "allow": {"id": "root"}})
        harness.activate(root.path, {"DATASETTE_LAMBDA_BUCKET": None})
        sha = root.manifest["databases"][0]["sha256"]
        anonymous = request("/-/datasette-lambda.json", query=f"expect=fixtures:{sha}")
        self.assertEqual(anonymous.status, 200)
        self.assertEqual(schema_errors("site-status", anonymous.body), [])
        ds = harness.instance().site.datasette
        cookie = f"ds_actor={ds.sign({'a': {'id': 'root'}}, 'actor')}"
        root_view = request("/-/datasette-lambda.json", query=f"expect=fixtures:{sha}", cookies=[cookie])
        self.assertEqual(schema_errors("site-status", root_view.body), [])
        self.assertEqual(list(root_view.json()["databases"]), ["fixtures"])
        self.assertEqual(anonymous.json()["databases"], {})


if __name__ == "__main__":
    unittest.main()
