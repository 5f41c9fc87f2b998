// Lambda's ListFunctions and DeleteFunction behind aws-sdk-client-mock, for the
// shared stack's retained Lambda@Edge functions in us-east-1, and
// GetAccountSettings for the concurrency a deploy reserves. A function in
// `replicated` is refused as Lambda refuses one CloudFront still has replicas
// of (the message users report, e.g. https://gist.github.com/tongueroo/b8492f369cce144670678350d33f99cd;
// "Delete Lambda@Edge functions and replicas",
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html).
import { DeleteFunctionCommand, GetAccountSettingsCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";

export class FakeLambda {
  readonly client = new LambdaClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  readonly functions = new Set<string>();
  readonly replicated = new Set<string>();
  pageSize = 2;
  /** GetAccountSettings' AccountLimit: the default quota, nothing reserved. */
  account = { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 };

  constructor() {
    this.mock.on(GetAccountSettingsCommand).callsFake(async () => ({ AccountLimit: { ...this.account } }));
    this.mock.on(ListFunctionsCommand).callsFake(async (input) => {
      const all = [...this.functions].sort();
      const start = input.Marker ? Number(input.Marker) : 0;
      const page = all.slice(start, start + this.pageSize);
      const next = start + this.pageSize < all.length ? String(start + this.pageSize) : undefined;
      return { Functions: page.map((FunctionName) => ({ FunctionName })), ...(next ? { NextMarker: next } : {}) };
    });
    this.mock.on(DeleteFunctionCommand).callsFake(async (input) => {
      const name = input.FunctionName ?? "";
      if (!this.functions.has(name)) {
        throw Object.assign(new Error(`Function not found: arn:aws:lambda:us-east-1:123456789012:function:${name}`), {
          name: "ResourceNotFoundException",
          $metadata: { httpStatusCode: 404 },
        });
      }
      if (this.replicated.has(name)) {
        throw Object.assign(
          new Error(
            `Lambda was unable to delete arn:aws:lambda:us-east-1:123456789012:function:${name}:1 because it is a replicated function. ` +
              "Please see our documentation for Deleting Lambda@Edge Functions and Replicas.",
          ),
          { name: "InvalidParameterValueException", $metadata: { httpStatusCode: 400 } },
        );
      }
      this.functions.delete(name);
      return {};
    });
  }

  deletes(): string[] {
    return this.mock.commandCalls(DeleteFunctionCommand).map((call) => call.args[0].input.FunctionName ?? "");
  }
}
