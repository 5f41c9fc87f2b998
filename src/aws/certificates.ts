// ACM in us-east-1: which resources still use a certificate. ACM's count lags
// behind CloudFront: after a distribution lets go of a certificate, ACM may
// call it in use for seconds to many minutes, and refuses to delete it
// meanwhile (ResourceInUseException).
// https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html
import { DescribeCertificateCommand, type ACMClient } from "@aws-sdk/client-acm";
import { toAwsError } from "./aws-error.ts";

export type Acm = Pick<ACMClient, "send">;

/** The ARNs of what uses the certificate (InUseBy), or "gone" when there is no such certificate. */
export async function certificateUsers(acm: Acm, arn: string): Promise<string[] | "gone"> {
  try {
    const { Certificate } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    return Certificate?.InUseBy ?? [];
  } catch (error) {
    if ((error as { name?: string }).name === "ResourceNotFoundException") return "gone";
    throw toAwsError(error, `Reading certificate ${arn}`, arn);
  }
}
