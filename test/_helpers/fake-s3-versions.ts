// S3 buckets behind aws-sdk-client-mock, enough for emptying and deleting
// (delete-stack): objects with versions and delete markers, first-page
// listings of at most MaxKeys entries, DeleteObjects (refusing more than
// 1,000 keys, as S3 does), HeadBucket/DeleteBucket/GetBucketVersioning.
// (fake-artifact-bucket.ts is the upload-side fake: PUT, multipart, HeadObject.)
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  type DeleteObjectsCommandInput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

export interface FakeEntry {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
}

export interface FakeVersionedBucket {
  versioning?: "Enabled" | "Suspended";
  entries: FakeEntry[];
}

function missing(name: "NoSuchBucket" | "NotFound"): Error {
  return Object.assign(new Error(name === "NotFound" ? "" : "The specified bucket does not exist"), {
    name,
    $metadata: { httpStatusCode: 404 },
  });
}

export class FakeS3Versions {
  readonly client = new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  readonly buckets = new Map<string, FakeVersionedBucket>();
  /** Sizes of every DeleteObjects batch, in order. */
  readonly batches: number[] = [];
  /** Called after each DeleteObjects, e.g. to write new objects meanwhile. */
  afterDelete: (bucket: FakeVersionedBucket) => void = () => {};

  constructor() {
    this.mock.on(HeadBucketCommand).callsFake((input) => {
      this.get(input.Bucket, "NotFound");
      return {};
    });
    this.mock.on(GetBucketVersioningCommand).callsFake((input) => {
      const bucket = this.get(input.Bucket);
      return bucket.versioning ? { Status: bucket.versioning } : {};
    });
    this.mock.on(ListObjectVersionsCommand).callsFake((input) => {
      const bucket = this.get(input.Bucket);
      const max = input.MaxKeys ?? 1000;
      const page = bucket.entries.slice(0, max);
      return {
        Versions: page.filter((e) => !e.deleteMarker).map((e) => ({ Key: e.key, VersionId: e.versionId ?? "null" })),
        DeleteMarkers: page.filter((e) => e.deleteMarker).map((e) => ({ Key: e.key, VersionId: e.versionId ?? "null" })),
        IsTruncated: bucket.entries.length > max,
      };
    });
    this.mock.on(ListObjectsV2Command).callsFake((input) => {
      const bucket = this.get(input.Bucket);
      const max = input.MaxKeys ?? 1000;
      // Without versioning, only current objects are listed.
      const current = bucket.entries.filter((e) => !e.deleteMarker);
      return {
        Contents: current.slice(0, max).map((e) => ({ Key: e.key })),
        IsTruncated: current.length > max,
        KeyCount: Math.min(max, current.length),
      };
    });
    this.mock.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => this.deleteObjects(input));
    this.mock.on(DeleteBucketCommand).callsFake((input) => {
      const bucket = this.get(input.Bucket);
      if (bucket.entries.length > 0) {
        throw Object.assign(new Error("The bucket you tried to delete is not empty"), {
          name: "BucketNotEmpty",
          $metadata: { httpStatusCode: 409 },
        });
      }
      this.buckets.delete(input.Bucket as string);
      return {};
    });
  }

  add(name: string, bucket: FakeVersionedBucket): FakeVersionedBucket {
    this.buckets.set(name, bucket);
    return bucket;
  }

  private get(name: string | undefined, error: "NoSuchBucket" | "NotFound" = "NoSuchBucket"): FakeVersionedBucket {
    const bucket = name ? this.buckets.get(name) : undefined;
    if (!bucket) throw missing(error);
    return bucket;
  }

  private deleteObjects(input: DeleteObjectsCommandInput) {
    const bucket = this.get(input.Bucket);
    const objects = input.Delete?.Objects ?? [];
    if (objects.length > 1000) throw Object.assign(new Error("MalformedXML"), { name: "MalformedXML", $metadata: { httpStatusCode: 400 } });
    this.batches.push(objects.length);
    for (const object of objects) {
      bucket.entries = bucket.entries.filter((e) =>
        object.VersionId === undefined ? e.key !== object.Key : !(e.key === object.Key && (e.versionId ?? "null") === object.VersionId),
      );
    }
    this.afterDelete(bucket);
    return {};
  }
}

/** n objects, each with `versions` versions and optionally a delete marker on top. */
export function versionedEntries(n: number, versions = 1, deleteMarkers = false): FakeEntry[] {
  const entries: FakeEntry[] = [];
  for (let i = 0; i < n; i++) {
    const key = `db/${String(i).padStart(5, "0")}/data.db`;
    for (let v = 0; v < versions; v++) entries.push({ key, versionId: `v${v}` });
    if (deleteMarkers) entries.push({ key, versionId: "dm", deleteMarker: true });
  }
  return entries;
}
