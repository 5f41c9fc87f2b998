// AWS answers that are not failures for us, matched in ONE place by error name
// plus a stable part of the message (AWS has no dedicated error codes for them).
// If AWS rewords one of these, only this file changes.
import { errorMessage } from "../errors.ts";

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return metadata?.httpStatusCode;
}

// UpdateStack with the same template and parameters: ValidationError
// "No updates are to be performed." Success: the stack already is what we asked for.
export function isNoUpdatesError(error: unknown): boolean {
  return errorName(error) === "ValidationError" && /No updates are to be performed/i.test(errorMessage(error));
}

// UpdateStack while another operation runs on the stack (another deploy of the
// same site, started after we looked): ValidationError "Stack:arn... is in
// UPDATE_IN_PROGRESS state and can not be updated." Wait for it, then decide again.
export function isStackBusyError(error: unknown): boolean {
  return errorName(error) === "ValidationError" && /is in [A-Z_]*_IN_PROGRESS state and can ?not be updated/i.test(errorMessage(error));
}

// CreateStack when another run created the stack after we looked.
export function isStackExistsError(error: unknown): boolean {
  return errorName(error) === "AlreadyExistsException";
}

// DescribeStacks/DescribeStackEvents/GetTemplate on a missing stack:
// ValidationError "Stack with id NAME does not exist" (moto: "Stack [NAME] does not exist").
export function isStackMissingError(error: unknown): boolean {
  return errorName(error) === "ValidationError" && /does not exist/i.test(errorMessage(error));
}

// HeadObject on a missing key: a bare 404 (HEAD has no body, so the SDK names it NotFound).
export function isObjectMissingError(error: unknown): boolean {
  const name = errorName(error);
  return name === "NotFound" || name === "NoSuchKey" || httpStatus(error) === 404;
}

// A bucket that is not there: HeadBucket answers a bare 404 ("NotFound"),
// the list and delete calls "NoSuchBucket".
export function isBucketMissingError(error: unknown): boolean {
  const name = errorName(error);
  return name === "NoSuchBucket" || name === "NotFound" || (name !== "AccessDenied" && httpStatus(error) === 404);
}

// FilterLogEvents on a log group that does not exist yet (the function never ran).
export function isLogGroupMissing(error: unknown): boolean {
  return errorName(error) === "ResourceNotFoundException";
}

// A conditional PutObject (If-Match / If-None-Match) that lost a race: another
// write changed the object since we read it (412 PreconditionFailed), or one
// was in flight at the same moment (409 ConditionalRequestConflict; S3 says to
// retry). Either way: read again and retry.
export function isConditionalWriteLost(error: unknown): boolean {
  const name = errorName(error);
  const status = httpStatus(error);
  return name === "PreconditionFailed" || name === "ConditionalRequestConflict" || status === 412 || status === 409;
}

// DeleteFunction of a Lambda@Edge function whose replicas CloudFront has not
// deleted yet ("typically within a few hours" after the last distribution lets
// go, CloudFront Developer Guide, "Delete Lambda@Edge functions and replicas"):
// InvalidParameterValueException "Lambda was unable to delete arn:...:1 because it
// is a replicated function. Please see our documentation for Deleting Lambda@Edge
// Functions and Replicas." Not a failure: it is deleted on a later run.
export function isReplicatedFunctionError(error: unknown): boolean {
  return errorName(error) === "InvalidParameterValueException" && /replicated function/i.test(errorMessage(error));
}

// GetFunction/DeleteFunction of a function that is not there (deleted meanwhile).
export function isFunctionMissingError(error: unknown): boolean {
  return errorName(error) === "ResourceNotFoundException";
}
