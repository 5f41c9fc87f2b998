// ACM's DescribeCertificate behind aws-sdk-client-mock: each certificate's
// InUseBy, scripted per call. ACM keeps counting a certificate in use for a
// while after CloudFront lets go of it; `lag` is how many more calls list the
// distribution. An unknown ARN is ResourceNotFoundException, as ACM answers.
// https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html
import { ACMClient, DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { mockClient } from "aws-sdk-client-mock";

export class FakeAcm {
  readonly client = new ACMClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  /** ARN -> the distributions ACM says use it, and for how many more calls (Infinity: for ever). */
  readonly certificates = new Map<string, { inUseBy: string[]; lag: number }>();

  constructor() {
    this.mock.on(DescribeCertificateCommand).callsFake(async (input) => {
      const arn = input.CertificateArn ?? "";
      const certificate = this.certificates.get(arn);
      if (!certificate) {
        throw Object.assign(new Error(`Could not find certificate ${arn}.`), {
          name: "ResourceNotFoundException",
          $metadata: { httpStatusCode: 400 },
        });
      }
      const inUseBy = certificate.lag > 0 ? certificate.inUseBy : [];
      certificate.lag -= 1;
      return { Certificate: { CertificateArn: arn, InUseBy: inUseBy } };
    });
  }

  calls(): number {
    return this.mock.commandCalls(DescribeCertificateCommand).length;
  }
}
