// An in-memory S3 bucket behind aws-sdk-client-mock, enough for lib-storage
// (single PUT and multipart), HeadObject, GetObject, paged ListObjectsV2 (with
// LastModified from a settable clock), DeleteObject and DeleteObjects.
// A multipart upload only becomes an object on CompleteMultipartUpload.
// Objects have ETags (the MD5 of their bytes, quoted) and PutObject honours
// If-Match / If-None-Match as S3 does (412 PreconditionFailed; If-Match on a
// missing key: 404 NoSuchKey).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { createHash } from "node:crypto";

function s3Error(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

async function bytesOf(body: unknown): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

export class FakeBucket {
  readonly client = new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  readonly objects = new Map<string, Buffer>();
  /** When each object was last written, by `now`. */
  readonly lastModified = new Map<string, Date>();
  /** The bucket's clock: LastModified of what is written from now on. */
  now: () => number = Date.now;
  readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  /** ListObjectsV2 page size (S3's is 1000). */
  pageSize = 1000;
  /** Called with each UploadPart's part number before it is stored; may throw or abort. */
  beforePart: (partNumber: number) => void | Promise<void> = () => {};
  /** Called with the prefix before each ListObjectsV2 page is made (e.g. to let another run act). */
  beforeList: (prefix: string) => void | Promise<void> = () => {};
  /** Called with the key before each PutObject is decided (e.g. to let another writer win a race). */
  beforePut: (key: string) => void | Promise<void> = () => {};
  private uploadCounter = 0;
  readonly name: string;

  constructor(name = "site-bucket") {
    this.name = name;
    this.mock.on(HeadObjectCommand).callsFake(async (input) => {
      const object = this.objects.get(input.Key);
      if (!object) throw s3Error("NotFound", 404, "UnknownError");
      return { ContentLength: object.length, ETag: etagOf(object), LastModified: this.lastModified.get(input.Key) };
    });
    this.mock.on(GetObjectCommand).callsFake(async (input) => {
      const object = this.objects.get(input.Key);
      if (!object) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
      return {
        ContentLength: object.length,
        ETag: etagOf(object),
        LastModified: this.lastModified.get(input.Key),
        Body: { transformToString: async () => object.toString() },
      };
    });
    this.mock.on(PutObjectCommand).callsFake(async (input) => {
      const body = await bytesOf(input.Body);
      await this.beforePut(input.Key);
      const current = this.objects.get(input.Key);
      if (input.IfNoneMatch === "*" && current)
        throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
      if (input.IfMatch !== undefined) {
        if (!current) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
        if (etagOf(current) !== input.IfMatch)
          throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
      }
      this.put(input.Key, body);
      return { ETag: etagOf(body) };
    });
    this.mock.on(CreateMultipartUploadCommand).callsFake(async (input) => {
      const id = `upload-${++this.uploadCounter}`;
      this.uploads.set(id, { key: input.Key, parts: new Map() });
      return { UploadId: id, Bucket: input.Bucket, Key: input.Key };
    });
    this.mock.on(UploadPartCommand).callsFake(async (input) => {
      const upload = this.uploads.get(input.UploadId);
      if (!upload) throw s3Error("NoSuchUpload", 404);
      await this.beforePart(input.PartNumber);
      upload.parts.set(input.PartNumber, await bytesOf(input.Body));
      return { ETag: `"part-${input.PartNumber}"` };
    });
    this.mock.on(CompleteMultipartUploadCommand).callsFake(async (input) => {
      const upload = this.uploads.get(input.UploadId);
      if (!upload) throw s3Error("NoSuchUpload", 404);
      const numbers = (input.MultipartUpload?.Parts ?? []).map((part: { PartNumber: number }) => part.PartNumber);
      this.put(upload.key, Buffer.concat(numbers.map((n: number) => upload.parts.get(n) as Buffer)));
      this.uploads.delete(input.UploadId);
      return { Key: upload.key, Bucket: this.name };
    });
    this.mock.on(AbortMultipartUploadCommand).callsFake(async (input) => {
      if (!this.uploads.delete(input.UploadId)) throw s3Error("NoSuchUpload", 404);
      return {};
    });
    this.mock.on(ListObjectsV2Command).callsFake(async (input) => {
      await this.beforeList(input.Prefix ?? "");
      const keys = [...this.objects.keys()].filter((key) => key.startsWith(input.Prefix ?? "")).sort();
      const offset = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
      const page = keys.slice(offset, offset + this.pageSize);
      const more = offset + this.pageSize < keys.length;
      return {
        Contents: page.map((Key) => ({ Key, Size: this.objects.get(Key)?.length, LastModified: this.lastModified.get(Key) })),
        KeyCount: page.length,
        IsTruncated: more,
        ...(more ? { NextContinuationToken: String(offset + this.pageSize) } : {}),
      };
    });
    this.mock.on(DeleteObjectsCommand).callsFake(async (input) => {
      const objects = input.Delete?.Objects ?? [];
      if (objects.length > 1000) throw s3Error("MalformedXML", 400, "more than 1000 keys");
      for (const { Key } of objects) this.delete(Key);
      return { Deleted: input.Delete?.Quiet ? [] : objects };
    });
    this.mock.on(DeleteObjectCommand).callsFake(async (input) => {
      this.delete(input.Key);
      return {};
    });
  }

  /** Writes an object now, or as if at `at` (epoch ms). */
  put(key: string, body: string | Buffer, at: number = this.now()): void {
    this.objects.set(key, Buffer.from(body));
    this.lastModified.set(key, new Date(at));
  }

  delete(key: string): void {
    this.objects.delete(key);
    this.lastModified.delete(key);
  }

  calls(command: abstract new (...args: never[]) => unknown): number {
    return this.mock.commandCalls(command as never).length;
  }
}
