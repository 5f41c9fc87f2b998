"""Publish databases to a site's bucket as the live-data contract says (docs/live-data.md),
for tests: live/db/<sha256>/<name>.db, then live/manifest.json by a conditional write.

Also writes small databases whose rows say which version they are, so a test can tell
which file a page was served from.
"""

import hashlib
import json
import os
import sqlite3
import time

from botocore.exceptions import ClientError

MANIFEST_KEY = "live/manifest.json"


def write_rows_db(path, labels, table="readings"):
    """A database with one table whose rows are labelled (e.g. "v2 row 1"); returns path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"create table [{table}] (id integer primary key, label text)")
    conn.executemany(f"insert into [{table}] values (?, ?)", list(enumerate(labels, 1)))
    conn.commit()
    conn.close()
    return path


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def utc(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class LivePublisher:
    def __init__(self, s3, bucket):
        self.s3 = s3
        self.bucket = bucket

    def publish(self, name, path, data_as_of=None, tables=None, upload=True):
        """Upload the database (unless upload=False: the manifest then names a missing
        object) and put its entry in the manifest. Returns the entry."""
        sha = sha256_file(path)
        key = f"live/db/{sha}/{name}.db"
        if upload:
            self.s3.upload_file(path, self.bucket, key)
        entry = {
            "key": key,
            "sha256": sha,
            "bytes": os.path.getsize(path),
            "dataAsOf": data_as_of or utc(os.path.getmtime(path)),
            "source": f"{name}.csv",
            "publishedAt": utc(time.time()),
        }
        if tables is not None:
            entry["tables"] = {table: {"count": count} for table, count in tables.items()}
        self._update(lambda databases: databases.__setitem__(name, entry))
        return entry

    def remove(self, name):
        self._update(lambda databases: databases.pop(name))

    def put_raw(self, body):
        """Replace the manifest with these bytes as they are (a broken manifest)."""
        return self.s3.put_object(Bucket=self.bucket, Key=MANIFEST_KEY, Body=body)["ETag"]

    def delete_manifest(self):
        self.s3.delete_object(Bucket=self.bucket, Key=MANIFEST_KEY)

    def etag(self):
        return self.s3.head_object(Bucket=self.bucket, Key=MANIFEST_KEY)["ETag"]

    def _update(self, change):
        for _ in range(10):
            try:
                response = self.s3.get_object(Bucket=self.bucket, Key=MANIFEST_KEY)
                manifest, condition = json.loads(response["Body"].read()), {"IfMatch": response["ETag"]}
            except ClientError as e:
                if e.response["Error"]["Code"] != "NoSuchKey":
                    raise
                manifest, condition = {"format": 1, "databases": {}, "failed": {}}, {"IfNoneMatch": "*"}
            change(manifest["databases"])
            body = json.dumps(manifest, indent=2).encode("utf-8")
            try:
                return self.s3.put_object(Bucket=self.bucket, Key=MANIFEST_KEY, Body=body, **condition)
            except ClientError as e:
                if e.response["Error"]["Code"] != "PreconditionFailed":
                    raise
        raise RuntimeError("the manifest kept changing under the test's publish")
