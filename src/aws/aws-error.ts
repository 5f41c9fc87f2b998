// Turns an SDK error into an AwsError that names what we were doing and to
// which stack or bucket, with a hint for the failures users can fix themselves.
import { AwsError, DatasetteLambdaError, errorMessage, UserError } from "../errors.ts";
import { redactSignedUrls } from "../util/redact.ts";

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const BAD_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
]);

/** Node's socket errors: nothing answered at the endpoint. */
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH"]);

export const CREDENTIALS_FIX =
  "Run `aws configure` (or `aws sso login`), pick a profile with --profile or AWS_PROFILE, " +
  "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";

/**
 * `action` says what failed ("Updating stack mysite-lambda"); `resource` names the
 * stack or bucket. Errors of our own pass through unchanged.
 */
export function toAwsError(error: unknown, action: string, resource: string): DatasetteLambdaError {
  if (error instanceof DatasetteLambdaError) return error;
  const name = error instanceof Error ? error.name : "Error";
  const detail = redactSignedUrls(errorMessage(error));
  if (name === "CredentialsProviderError") {
    return new UserError(`No usable AWS credentials: ${detail}`, { hint: CREDENTIALS_FIX, cause: error });
  }
  const message = `${action} failed: ${detail || name}`;
  let hint: string | undefined;
  if (ACCESS_DENIED.has(name)) {
    hint =
      "Your AWS identity is not allowed to do this. " +
      "Use a profile or role that may manage CloudFormation, S3, Lambda, IAM and CloudFront (--profile or AWS_PROFILE).";
  } else if (EXPIRED.has(name)) {
    hint = "Your AWS session has expired: refresh it (e.g. `aws sso login`, or new temporary keys) and run the command again.";
  } else if (BAD_CREDENTIALS.has(name)) {
    hint = `AWS rejected your credentials. ${CREDENTIALS_FIX}`;
  } else if (NETWORK.has((error as { code?: string }).code ?? "")) {
    hint = "AWS could not be reached: check your network, or the address given by --endpoint-url / AWS_ENDPOINT_URL.";
  }
  return new AwsError(message, { resource, cause: error, ...(hint ? { hint } : {}) });
}
