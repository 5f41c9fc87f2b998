"""The S3 client an instance uses for everything: database downloads, presigned URLs, live data."""

import logging
from typing import Any


def new_s3_client() -> Any:
    """A boto3 S3 client configured for the stub (boto3 comes with Lambda's Python runtime;
    imported here, on first use, since it costs cold-start time)."""
    import boto3
    from botocore.config import Config

    # SigV4 on the bucket's regional host: the defaults presign some URLs with SigV2
    # or for the global s3.amazonaws.com, which a bucket outside us-east-1 may
    # answer with a redirect that breaks the signature. A connection for each of a
    # download's concurrent ranges (s3_download.MAX_CONCURRENCY), and some to spare.
    config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"}, max_pool_connections=16)
    client = boto3.client("s3", config=config)
    # botocore logs every signature it computes at DEBUG (botocore.auth), and every
    # request it sends with its Authorization and X-Amz-Security-Token headers
    # (botocore.endpoint): a presigned URL's signature is a bearer credential, a signed
    # request can be replayed for minutes, the token is the role's. Live data signs a
    # request every few seconds. Keep all of it out of logs, whatever the log level.
    logging.getLogger("botocore").setLevel(logging.INFO)
    return client
