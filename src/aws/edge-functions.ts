// The Lambda@Edge functions of the shared stack (templates/shared.yaml) in
// us-east-1. The stack retains them on delete, since Lambda refuses to delete a
// function while CloudFront still has replicas of it (hours after the last
// distribution lets go); these calls find and delete them afterwards.
import { DeleteFunctionCommand, ListFunctionsCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { toAwsError } from "./aws-error.ts";
import { isFunctionMissingError, isReplicatedFunctionError } from "./tolerated-errors.ts";

export type Lambda = Pick<LambdaClient, "send">;

/** templates/shared.yaml's EdgeFunction: this prefix and the first 8 hex digits of the stack id's UUID. */
export const EDGE_FUNCTION_PREFIX = "datasette-lambda-edge-";

/** The edge function a shared stack (by its stack id) owns. */
export function edgeFunctionOf(stackId: string): string {
  const uuid = stackId.split("/")[2] ?? "";
  return `${EDGE_FUNCTION_PREFIX}${uuid.split("-")[0]}`;
}

/** Every function in the client's region whose name has the edge prefix. */
export async function listEdgeFunctions(lambda: Lambda): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    let page;
    try {
      page = await lambda.send(new ListFunctionsCommand({ MaxItems: 50, ...(marker ? { Marker: marker } : {}) }));
    } catch (error) {
      throw toAwsError(error, "Listing Lambda functions in us-east-1", EDGE_FUNCTION_PREFIX);
    }
    for (const fn of page.Functions ?? []) if (fn.FunctionName?.startsWith(EDGE_FUNCTION_PREFIX)) names.push(fn.FunctionName);
    marker = page.NextMarker;
  } while (marker);
  return names.sort();
}

/** Deletes the function and all its versions: "deleted", or "replicated" while CloudFront keeps replicas. */
export async function deleteEdgeFunction(lambda: Lambda, name: string): Promise<"deleted" | "replicated"> {
  try {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    return "deleted";
  } catch (error) {
    if (isReplicatedFunctionError(error)) return "replicated";
    if (isFunctionMissingError(error)) return "deleted";
    throw toAwsError(error, `Deleting the Lambda@Edge function ${name} (us-east-1)`, name);
  }
}
