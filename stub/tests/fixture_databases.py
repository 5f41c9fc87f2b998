"""The fixture databases the stub tests serve, generated (never committed).

Run as a script to write them for a package build (see FIXTURES.md):
    python stub/tests/fixture_databases.py OUTDIR
"""

import hashlib
import os
import sqlite3
import sys

# Expected row counts: tests compare pages and the manifest's inspect data against these.
FIXTURES_COUNTS = {"categories": 3, "items": 25, "dotted.table": 3, "blobs": 2}
REMOTE_COUNTS = {"remote_rows": 4}
LARGE_ROWS = 7000
BLOB_1 = bytes(range(256)) * 4  # not valid UTF-8: must come back base64-encoded


def write_fixtures_db(path):
    """fixtures.db, in WAL mode (the read-only trap), with a foreign key, a view,
    a table whose name contains a dot, and a BLOB column."""
    conn = sqlite3.connect(path)
    conn.execute("pragma journal_mode=wal")
    conn.executescript(
        """
        create table categories (id integer primary key, name text not null);
        create table items (
            id integer primary key,
            name text not null,
            category_id integer references categories(id),
            price real
        );
        create table [dotted.table] (id integer primary key, value text);
        create table blobs (id integer primary key, data blob);
        create view expensive_items as select * from items where price > 20;
        """
    )
    conn.executemany("insert into categories values (?, ?)", [(1, "tools"), (2, "toys"), (3, "books")])
    conn.executemany(
        "insert into items values (?, ?, ?, ?)",
        [(i, f"item {i}", i % 3 + 1, i * 1.5) for i in range(1, 26)],
    )
    conn.executemany("insert into [dotted.table] values (?, ?)", [(1, "one"), (2, "two"), (3, "three")])
    conn.executemany("insert into blobs values (?, ?)", [(1, BLOB_1), (2, b"\x00\x01")])
    conn.commit()
    conn.close()  # checkpoints the WAL into the file; the file stays in WAL mode


def write_remote_db(path):
    conn = sqlite3.connect(path)
    conn.execute("create table remote_rows (id integer primary key, label text)")
    conn.executemany("insert into remote_rows values (?, ?)", [(i, f"remote {i}") for i in range(1, 5)])
    conn.commit()
    conn.close()


def write_large_db(path):
    """large.db: over Lambda's 6 MB response limit (about 7.3 MB), for downloads and exports.
    Not written by main(): package builds use only the two files above."""
    import random

    rng = random.Random(0)
    conn = sqlite3.connect(path)
    conn.execute("create table chunks (id integer primary key, payload text)")
    conn.executemany(
        "insert into chunks values (?, ?)", ((i, rng.randbytes(500).hex()) for i in range(1, LARGE_ROWS + 1))
    )
    conn.commit()
    conn.close()


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def table_counts(path):
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {n: conn.execute(f"select count(*) from [{n}]").fetchone()[0] for n in names}
    finally:
        conn.close()


def main(argv):
    if len(argv) != 2:
        print("usage: fixture_databases.py OUTDIR", file=sys.stderr)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    write_fixtures_db(os.path.join(argv[1], "fixtures.db"))
    write_remote_db(os.path.join(argv[1], "remote.db"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
