"""The Python half of bench/in-place.ts: builds the benchmark database, and serves pages of it
from a fresh process the way the stub does, logging what each page did. Two commands:

  python in-place-driver.py generate DB SIZE_GB
      A deterministic SQLite database of about SIZE_GB GiB: three wide tables (people,
      orders, events; foreign keys to people) with indexes. Row counts follow from the
      size alone and every value from the row number, so the same size gives the same
      rows on any machine. Prints one JSON line: {"bytes", "tables": {name: rows}, "seconds"}.

  python in-place-driver.py describe DB
      The same report for a database generate made earlier ("seconds": 0).

  python in-place-driver.py serve STUB_DIR DB TABLES_JSON PATH MODE LOG
      One fresh "instance": builds the site with the stub's own datasette_app (the
      database immutable, its table counts given as the CLI's manifest gives them),
      starts it as the stub's init phase does, serves a warm-up request that uses the
      database, then PATH twice (cold, then again). Writes to LOG a JSON object:
        {"marks": [[label, t_start, t_end], ...],   wall-clock seconds (time.time())
         "blocks": [{"tid", "t0", "t1", "limit_ms", "interrupted", "sql"}, ...],
         "responses": [{"path", "status", "bytes", "ms"}, ...]}
      A block is one time-limited SQL execution (Datasette's sqlite_timelimit), on the
      thread (native id, as strace reports it) that ran it; limit_ms is the limit
      Datasette's default settings would give it (see MODE).
      MODE "trace" (run under strace): sql_time_limit_ms and facet_time_limit_ms are
      raised to sentinels, so strace's slowdown never cuts a query short and the reads
      counted are the whole work of each query; the sentinels map back to the defaults
      (1000 and 200 ms). Suggested facets keep their 50 ms limit: they are cut short
      anyway on any remote storage. MODE "time": Datasette's default settings, no
      tracing; the responses' "ms" is what serving the page from a local copy costs.
"""

import asyncio
import contextlib
import json
import os
import sqlite3
import sys
import threading
import time

# ---------------------------------------------------------------------------
# generate

CITIES = [
    "Lisbon", "Oslo", "Lagos", "Lima", "Osaka", "Perth", "Quito", "Accra", "Porto", "Dakar",
    "Cusco", "Hanoi", "Tunis", "Leeds", "Turin", "Kyoto", "Cairo", "Sofia", "Split", "Malmo",
]
COUNTRIES = ["PT", "NO", "NG", "PE", "JP", "AU", "EC", "GH", "SN", "VN", "TN", "GB", "IT", "EG", "BG", "HR", "SE"]
CATEGORIES = ["Books", "Garden", "Toys", "Music", "Tools", "Games", "Food", "Shoes", "Hats", "Maps", "Pens", "Lamps"]
STATUSES = ["new", "paid", "packed", "shipped", "delivered", "returned", "cancelled"]
CHANNELS = ["web", "app", "phone", "shop"]
KINDS = ["view", "click", "search", "add_to_cart", "checkout", "login", "logout", "share"]
WORDS = (
    "amber basil cedar delta ember fable garnet harbor indigo juniper kestrel lumen meadow "
    "nectar orchid pebble quartz raven saffron tundra umber velvet willow xenon yarrow zephyr"
).split()

# Bytes each row takes in the file, table b-tree and its indexes together (measured on this
# generator with SQLite's default 4 KiB pages): row counts are derived from the size with
# these, so they depend on the size alone.
PEOPLE_ROW_BYTES = 292
ORDERS_ROW_BYTES = 225
EVENTS_ROW_BYTES = 331
# Shares of the file: orders half, people and events a quarter each.
SHARES = {"people": 0.25, "orders": 0.5, "events": 0.25}


def mix(n):
    """A deterministic 32-bit scramble of n (no random module: the same on every Python)."""
    n = (n * 2654435761) & 0xFFFFFFFF
    n ^= n >> 15
    n = (n * 2246822519) & 0xFFFFFFFF
    return n ^ (n >> 13)


def words(seed, count):
    return " ".join(WORDS[mix(seed + i) % len(WORDS)] for i in range(count))


def day(seed, start_year, years):
    return f"{start_year + seed % years:04d}-{1 + (seed >> 4) % 12:02d}-{1 + (seed >> 8) % 28:02d}"


def people_rows(count):
    for i in range(1, count + 1):
        h = mix(i)
        yield (
            i,
            f"{WORDS[h % 26].title()} {WORDS[(h >> 5) % 26].title()}son",
            f"user{i}@{WORDS[(h >> 10) % 26]}.example",
            f"+{h % 90 + 10} {h % 1000:03d} {(h >> 10) % 10000:04d}",
            f"{h % 400 + 1} {WORDS[(h >> 3) % 26].title()} Street",
            CITIES[h % len(CITIES)],
            WORDS[(h >> 7) % 26].title(),
            COUNTRIES[(h >> 11) % len(COUNTRIES)],
            f"{h % 100000:05d}",
            day(h >> 2, 1940, 65),
            f"{day(h >> 6, 2010, 16)}T{h % 24:02d}:{(h >> 5) % 60:02d}:00Z",
            (h % 10000) / 100,
            ["bronze", "silver", "gold", "platinum"][(h >> 9) % 4],
            words(h, 14),
        )


def orders_rows(count, people):
    for i in range(1, count + 1):
        h = mix(i + 7_000_000_000)
        quantity = 1 + h % 9
        unit_price = (h >> 4) % 20000 / 100
        discount = ((h >> 9) % 4) * 0.05
        yield (
            i,
            1 + h % people,
            f"{day(h >> 3, 2016, 10)}T{(h >> 5) % 24:02d}:{(h >> 7) % 60:02d}:{(h >> 2) % 60:02d}Z",
            STATUSES[(h >> 6) % len(STATUSES)],
            CATEGORIES[(h >> 12) % len(CATEGORIES)],
            f"{WORDS[(h >> 8) % 26].title()} {WORDS[(h >> 13) % 26]}",
            f"SKU-{(h >> 4) % 1_000_000:06d}",
            quantity,
            unit_price,
            discount,
            round(quantity * unit_price * (1 - discount), 2),
            ["EUR", "USD", "GBP", "JPY"][(h >> 14) % 4],
            CHANNELS[(h >> 16) % len(CHANNELS)],
            f"WH-{(h >> 18) % 40:02d}",
            words(h >> 1, 8),
        )


def events_rows(count, people, orders):
    for i in range(1, count + 1):
        h = mix(i + 13_000_000_000)
        yield (
            i,
            1 + h % people,
            1 + (h >> 3) % orders if h % 3 else None,
            KINDS[(h >> 5) % len(KINDS)],
            f"{day(h >> 2, 2016, 10)}T{(h >> 7) % 24:02d}:{(h >> 9) % 60:02d}:{(h >> 4) % 60:02d}Z",
            ["web", "ios", "android", "api"][(h >> 11) % 4],
            f"10.{h % 256}.{(h >> 8) % 256}.{(h >> 16) % 256}",
            f"Mozilla/5.0 ({WORDS[(h >> 6) % 26]}) Agent/{h % 120}",
            h % 60000,
            json.dumps({"ref": words(h >> 3, 3), "page": h % 500, "note": words(h >> 5, 18)}),
        )


SCHEMA = """
create table people (
  id integer primary key, name text, email text, phone text, street text, city text,
  region text, country text, postcode text, born text, joined text, score real,
  tier text, bio text
);
create table orders (
  id integer primary key, person_id integer references people(id), ordered_at text,
  status text, category text, product text, sku text, quantity integer, unit_price real,
  discount real, total real, currency text, channel text, warehouse text, note text
);
create table events (
  id integer primary key, person_id integer references people(id),
  order_id integer references orders(id), kind text, at text, source text, ip text,
  user_agent text, duration_ms integer, payload text
);
"""
INDEXES = """
create index people_city on people(city);
create index people_country_born on people(country, born);
create index orders_person_id on orders(person_id);
create index orders_category on orders(category);
create index orders_ordered_at on orders(ordered_at);
create index events_person_id on events(person_id);
create index events_kind_at on events(kind, at);
"""


def row_counts(size_gb):
    total = size_gb * 1024**3
    people = max(1000, int(total * SHARES["people"] / PEOPLE_ROW_BYTES))
    orders = max(1000, int(total * SHARES["orders"] / ORDERS_ROW_BYTES))
    events = max(1000, int(total * SHARES["events"] / EVENTS_ROW_BYTES))
    return {"people": people, "orders": orders, "events": events}


def generate(path, size_gb):
    started = time.perf_counter()
    counts = row_counts(size_gb)
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("pragma journal_mode = off; pragma synchronous = off; pragma cache_size = -262144;")
    db.executescript(SCHEMA)
    batches = (
        ("people", people_rows(counts["people"]), 14),
        ("orders", orders_rows(counts["orders"], counts["people"]), 15),
        ("events", events_rows(counts["events"], counts["people"], counts["orders"]), 10),
    )
    for table, rows, columns in batches:
        db.execute("begin")
        db.executemany(f"insert into {table} values ({', '.join('?' * columns)})", rows)
        db.execute("commit")
    db.executescript(INDEXES)
    db.execute("analyze")
    db.close()
    return {"bytes": os.path.getsize(path), "tables": counts, "seconds": time.perf_counter() - started}


def describe(path):
    """generate's report for a database it made earlier (ids run from 1, so max(id) counts)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tables = {t: db.execute(f"select max(id) from {t}").fetchone()[0] for t in ("people", "orders", "events")}
    return {"bytes": os.path.getsize(path), "tables": tables, "seconds": 0}


# ---------------------------------------------------------------------------
# serve

SENTINEL_SQL_MS = 600_000
SENTINEL_FACET_MS = 599_999
NOMINAL = {SENTINEL_SQL_MS: 1000, SENTINEL_FACET_MS: 200}


def install_block_log(blocks):
    """Wrap Datasette's sqlite_timelimit so every time-limited execution is logged."""
    import datasette.database as database

    original = database.sqlite_timelimit

    @contextlib.contextmanager
    def logged(conn, ms):
        block = {"tid": threading.get_native_id(), "t0": time.time(), "limit_ms": NOMINAL.get(ms, ms), "interrupted": False}
        sql = []
        conn.set_trace_callback(sql.append)
        try:
            with original(conn, ms):
                yield
        except BaseException as e:
            block["interrupted"] = "interrupt" in repr(e).lower()
            raise
        finally:
            conn.set_trace_callback(None)
            block["t1"] = time.time()
            block["sql"] = " ".join((sql[0] if sql else "").split())[:160]
            blocks.append(block)

    database.sqlite_timelimit = logged


async def serve(stub_dir, db_path, tables, path, mode, log_path):
    marks, blocks, responses = [], [], []
    t_start = time.time()
    sys.path.insert(0, stub_dir)
    import httpx

    from datasette_lambda.contract.package_manifest import validate_manifest
    from datasette_lambda.serve import datasette_app

    install_block_log(blocks)
    name = os.path.splitext(os.path.basename(db_path))[0]
    settings = {}
    if mode == "trace":
        settings = {"sql_time_limit_ms": SENTINEL_SQL_MS, "facet_time_limit_ms": SENTINEL_FACET_MS}
    # What the CLI writes: the database's checksum stands in (in place, nothing verifies
    # it) and the table counts are given, so Datasette counts nothing at start.
    manifest = validate_manifest(
        {
            "format": 1,
            "databases": [{"name": name, "fileName": os.path.basename(db_path), "sha256": "0" * 64, "bytes": os.path.getsize(db_path), "location": "s3", "key": f"db/{'0' * 64}/{os.path.basename(db_path)}"}],
            "inspect": {name: {"tables": {table: {"count": n} for table, n in tables.items()}}},
            "metadata": {"title": "in-place bench"},
            "settings": settings,
            "cors": False,
            "prefix": None,
        }
    )
    ds, served = datasette_app.build_datasette(manifest, [(name, db_path)], secret="bench-secret-0123456789")
    await datasette_app.start_datasette(ds)
    app = datasette_app.build_asgi_app(ds, served)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:

        async def get(label, url):
            t0 = time.time()
            response = await client.get(url)
            t1 = time.time()
            marks.append([label, t0, t1])
            responses.append({"path": url, "status": response.status_code, "bytes": len(response.content), "ms": (t1 - t0) * 1000})

        await get("warmup", f"/{name}.json?sql=select+1")
        marks.append(["first_open", t_start, time.time()])
        await get("page", path)
        await get("again", path)
    with open(log_path, "w", encoding="utf-8") as f:
        json.dump({"marks": marks, "blocks": blocks, "responses": responses}, f)


def main():
    command = sys.argv[1]
    if command == "generate":
        print(json.dumps(generate(sys.argv[2], float(sys.argv[3]))))
    elif command == "describe":
        print(json.dumps(describe(sys.argv[2])))
    elif command == "serve":
        stub_dir, db_path, tables, path, mode, log_path = sys.argv[2:8]
        asyncio.run(serve(stub_dir, db_path, json.loads(tables), path, mode, log_path))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
