// AWS Lambda and CloudFormation limits the plan checks before anything is deployed.
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html

import { APP_STACK_SUFFIX } from "./stack-names.ts";

export const MB = 1024 * 1024;

/** Function code plus all layers, unzipped. */
export const UNZIPPED_CODE_LIMIT = 250 * MB;
/** Headroom kept under the unzipped limit (stub, manifest, filesystem rounding). */
export const UNZIPPED_SAFETY_MARGIN = 10 * MB;
export const MEMORY_MB = { min: 128, max: 10240, default: 1024 } as const;
export const TIMEOUT_SECONDS = { min: 1, max: 900, default: 30 } as const;
export const EPHEMERAL_STORAGE_MB = { min: 512, max: 10240 } as const;
/** Lambda: all environment variables of a function, keys and values, together. */
export const ENVIRONMENT_BYTES = 4096;
/** One CloudFormation parameter value. */
export const PARAMETER_VALUE_BYTES = 4096;
/** CloudFormation TemplateBody; larger templates must be uploaded to S3 first. */
export const TEMPLATE_BODY_BYTES = 51_200;
/** Longest site name: the function is named NAME-lambda and function names stop at 64. */
export const MAX_SITE_NAME_LENGTH = 64 - APP_STACK_SUFFIX.length;
/** Lambda SnapStart for Python: python3.12 and later, /tmp of at most 512 MB. */
export const SNAPSTART_MIN_PYTHON_MINOR = 12;
export const SNAPSTART_MAX_EPHEMERAL_STORAGE_MB = 512;
