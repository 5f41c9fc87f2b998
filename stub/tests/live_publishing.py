"""Publishing live databases in tests through the real publisher: the converter function's
(convert/publish.py, with the contract's changes of contract/live_manifest.py), as the site
meets them. Also writes small databases whose rows say which version they are, so a test can
tell which file a page was served from.
"""

import os
import sqlite3
from datetime import datetime, timezone

from datasette_lambda.contract.live_manifest import with_removed
from datasette_lambda.contract.timestamps import format_utc
from datasette_lambda.convert.publish import publish_database, update_manifest
from fixture_databases import table_counts


def write_rows_db(path, labels, table="readings"):
    """A database with one table whose rows are labelled (e.g. "v2 row 1"); returns path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"create table [{table}] (id integer primary key, label text)")
    conn.executemany(f"insert into [{table}] values (?, ?)", list(enumerate(labels, 1)))
    conn.commit()
    conn.close()
    return path


def publish(s3, bucket, name, path, data_as_of=None):
    """Publish the database at path as the live database `name` (its table counts in the entry,
    its data as of its file's time unless given); returns the manifest's entry."""
    entry, _ = publish_database(
        s3,
        bucket,
        name=name,
        path=path,
        tables={table: {"count": count} for table, count in table_counts(path).items()},
        data_as_of=data_as_of or format_utc(os.path.getmtime(path)),
        source=os.path.basename(path),
        now=datetime.now(timezone.utc),
    )
    return entry


def remove(s3, bucket, name):
    """Stop serving `name`, as rm does: the manifest without its entry."""
    update_manifest(s3, bucket, lambda manifest: with_removed(manifest, name))
