"""Downloads for bench/s3-download.ts, each into a fresh file, timed; prints one JSON line each.

Run as `python s3-download-driver.py STUB_DIR BUCKET KEY SIZE SHA256 OUT_DIR ROUNDS` with
AWS_ENDPOINT_URL (a local moto server) and dummy credentials in the environment. Rounds
alternate the three ways, so a slower moment of the machine hits each alike:

- single: what the stub did before, one GetObject stream, hashed as it is read;
- parallel-then-hash: boto3's transfer manager (parallel ranged GETs, the stub's part size
  and concurrency), then the whole file hashed after the download;
- stub: the stub's own download (stub/datasette_lambda/databases/s3_download.py): the same ranged GETs, hashed while
  they arrive. "tail" is the time from the last byte written to the digest.
"""

import hashlib
import json
import os
import sys
import time


def single(client, bucket, key, path):
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), None


def parallel_then_hash(client, bucket, key, path, s3_download):
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(
        multipart_threshold=s3_download.PART_BYTES,
        multipart_chunksize=s3_download.PART_BYTES,
        max_concurrency=s3_download.MAX_CONCURRENCY,
    )
    client.download_file(bucket, key, path, Config=config)
    written = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest(), time.perf_counter() - written


def stub(client, bucket, key, path, size, s3_download):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)  # read back by the hasher
    try:
        last_write = {}  # for the tail: from the last write to the digest
        original = s3_download.OffsetWriter.write

        def write(self, data):
            n = original(self, data)
            last_write["at"] = time.perf_counter()
            return n

        s3_download.OffsetWriter.write = write
        try:
            digest, _ = s3_download.download_verified(client, bucket, key, fd, size)
        finally:
            s3_download.OffsetWriter.write = original
    finally:
        os.close(fd)
    return digest, time.perf_counter() - last_write["at"]


def main():
    stub_dir, bucket, key, size, sha256, out_dir, rounds = sys.argv[1:8]
    sys.path.insert(0, stub_dir)
    import boto3
    from botocore.config import Config

    from datasette_lambda.databases import s3_download

    size, rounds = int(size), int(rounds)
    client = boto3.client("s3", config=Config(max_pool_connections=32))
    ways = {
        "single": lambda path: single(client, bucket, key, path),
        "parallel-then-hash": lambda path: parallel_then_hash(client, bucket, key, path, s3_download),
        "stub": lambda path: stub(client, bucket, key, path, size, s3_download),
    }
    for round_ in range(rounds):
        for name, way in ways.items():
            path = os.path.join(out_dir, f"{name}-{round_}.db")
            started = time.perf_counter()
            digest, tail = way(path)
            seconds = time.perf_counter() - started
            os.remove(path)
            if digest != sha256:
                raise SystemExit(f"{name}: sha256 {digest} != {sha256}")
            print(json.dumps({"way": name, "seconds": seconds, "tail": tail}), flush=True)


if __name__ == "__main__":
    main()
