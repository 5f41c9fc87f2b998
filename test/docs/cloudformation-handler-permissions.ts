// What CloudFormation needs, with the deploying user's credentials, to create,
// read, update and delete each resource type the templates use: the handler
// permissions of each type's resource schema ("Resource type schema",
// https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html;
// read is there too, since CloudFormation invokes it during stack updates).
// These are the schemas `aws cloudformation describe-type` returns and cfn-lint
// bundles; a test compares this table with cfn-lint's copy for us-east-1.
export type Handler = "create" | "read" | "update" | "delete";

export const HANDLER_PERMISSIONS: Record<string, Record<Handler, string[]>> = {
  "AWS::CertificateManager::Certificate": {
    create: ["acm:RequestCertificate", "acm:DescribeCertificate", "route53:ChangeResourceRecordSets", "acm:AddTagsToCertificate", "acm-pca:IssueCertificate", "acm-pca:GetCertificate"],
    read: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"],
    update: ["acm:DescribeCertificate", "acm:UpdateCertificateOptions", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"],
    delete: ["acm:DeleteCertificate", "acm:DescribeCertificate", "acm:RemoveTagsFromCertificate"],
  },
  "AWS::CloudFront::CachePolicy": {
    create: ["cloudfront:CreateCachePolicy"],
    read: ["cloudfront:GetCachePolicy"],
    update: ["cloudfront:UpdateCachePolicy", "cloudfront:GetCachePolicy"],
    delete: ["cloudfront:DeleteCachePolicy", "cloudfront:GetCachePolicy"],
  },
  "AWS::CloudFront::Distribution": {
    create: ["cloudfront:CreateConnectionGroup", "cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags", "cloudfront:GetConnectionGroup", "cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:GetVpcOrigin", "cloudfront:TagResource"],
    read: ["cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:ListTagsForResource"],
    update: ["cloudfront:CreateConnectionGroup", "cloudfront:GetConnectionGroup", "cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:GetVpcOrigin", "cloudfront:UpdateDistribution", "cloudfront:UpdateDistributionWithStagingConfig", "cloudfront:ListTagsForResource", "cloudfront:TagResource", "cloudfront:UntagResource"],
    delete: ["cloudfront:DeleteDistribution", "cloudfront:GetDistribution", "cloudfront:GetDistributionConfig"],
  },
  "AWS::CloudFront::Function": {
    create: ["cloudfront:CreateFunction", "cloudfront:PublishFunction", "cloudfront:DescribeFunction", "cloudfront:TagResource"],
    read: ["cloudfront:DescribeFunction", "cloudfront:GetFunction", "cloudfront:ListTagsForResource"],
    update: ["cloudfront:UpdateFunction", "cloudfront:PublishFunction", "cloudfront:DescribeFunction", "cloudfront:TagResource", "cloudfront:UntagResource"],
    delete: ["cloudfront:DeleteFunction", "cloudfront:DescribeFunction"],
  },
  "AWS::CloudFront::OriginAccessControl": {
    create: ["cloudfront:CreateOriginAccessControl"],
    read: ["cloudfront:GetOriginAccessControl"],
    update: ["cloudfront:UpdateOriginAccessControl", "cloudfront:GetOriginAccessControl"],
    delete: ["cloudfront:DeleteOriginAccessControl", "cloudfront:GetOriginAccessControl"],
  },
  "AWS::Events::Rule": {
    create: ["iam:PassRole", "events:DescribeRule", "events:PutRule", "events:PutTargets", "events:TagResource"],
    read: ["iam:PassRole", "events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"],
    update: ["iam:PassRole", "events:DescribeRule", "events:PutRule", "events:RemoveTargets", "events:PutTargets", "events:UntagResource", "events:TagResource"],
    delete: ["iam:PassRole", "events:DescribeRule", "events:DeleteRule", "events:RemoveTargets", "events:ListTargetsByRule"],
  },
  "AWS::IAM::Role": {
    create: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:GetRole"],
    read: ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetRolePolicy"],
    update: ["iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:DetachRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole"],
    delete: ["iam:DeleteRole", "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:TagRole", "iam:UntagRole"],
  },
  "AWS::Lambda::Alias": {
    create: ["lambda:CreateAlias", "lambda:PutProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig"],
    read: ["lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig"],
    update: ["lambda:UpdateAlias", "lambda:GetAlias", "lambda:PutProvisionedConcurrencyConfig", "lambda:DeleteProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig", "codedeploy:CreateDeployment", "codedeploy:GetDeployment", "codedeploy:GetDeploymentGroup", "codedeploy:GetDeploymentConfig", "codedeploy:StopDeployment"],
    delete: ["lambda:DeleteAlias", "lambda:GetAlias"],
  },
  "AWS::Lambda::Function": {
    create: ["lambda:CreateFunction", "lambda:GetFunction", "lambda:PutFunctionConcurrency", "iam:PassRole", "s3:GetObject", "s3:GetObjectVersion", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "elasticfilesystem:DescribeMountTargets", "s3files:ListMountTargets", "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "lambda:GetCodeSigningConfig", "lambda:GetFunctionCodeSigningConfig", "lambda:GetLayerVersion", "lambda:GetRuntimeManagementConfig", "lambda:PutRuntimeManagementConfig", "lambda:TagResource", "lambda:PutFunctionRecursionConfig", "lambda:GetFunctionRecursionConfig", "lambda:PutFunctionScalingConfig", "lambda:PassCapacityProvider", "lambda:AssociateRuntimeAlias"],
    read: ["lambda:GetFunction", "kms:Decrypt", "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionRecursionConfig", "lambda:GetRuntimeManagementConfig", "lambda:GetFunctionScalingConfig"],
    update: ["lambda:DeleteFunctionConcurrency", "lambda:GetFunction", "lambda:PutFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource", "lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "iam:PassRole", "s3:GetObject", "s3:GetObjectVersion", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "elasticfilesystem:DescribeMountTargets", "s3files:ListMountTargets", "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "lambda:GetRuntimeManagementConfig", "lambda:PutRuntimeManagementConfig", "lambda:PutFunctionCodeSigningConfig", "lambda:DeleteFunctionCodeSigningConfig", "lambda:GetCodeSigningConfig", "lambda:GetFunctionCodeSigningConfig", "lambda:PutFunctionRecursionConfig", "lambda:GetFunctionRecursionConfig", "lambda:PutFunctionScalingConfig", "lambda:PublishVersion", "lambda:PassCapacityProvider", "lambda:AssociateRuntimeAlias"],
    delete: ["lambda:DeleteFunction", "lambda:GetFunction", "ec2:DescribeNetworkInterfaces"],
  },
  "AWS::Lambda::LayerVersion": {
    create: ["lambda:PublishLayerVersion", "s3:GetObject", "s3:GetObjectVersion"],
    read: ["lambda:GetLayerVersion"],
    update: [],
    delete: ["lambda:GetLayerVersion", "lambda:DeleteLayerVersion"],
  },
  "AWS::Lambda::Permission": {
    create: ["lambda:AddPermission"],
    read: ["lambda:GetPolicy"],
    update: [],
    delete: ["lambda:RemovePermission"],
  },
  "AWS::Lambda::Url": {
    create: ["lambda:CreateFunctionUrlConfig"],
    read: ["lambda:GetFunctionUrlConfig"],
    update: ["lambda:UpdateFunctionUrlConfig"],
    delete: ["lambda:DeleteFunctionUrlConfig"],
  },
  "AWS::Lambda::Version": {
    create: ["lambda:PublishVersion", "lambda:GetFunctionConfiguration", "lambda:PutProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig", "lambda:PutRuntimeManagementConfig", "lambda:GetRuntimeManagementConfig", "lambda:PutFunctionScalingConfig", "lambda:ListVersionsByFunction"],
    read: ["lambda:GetFunctionConfiguration", "lambda:GetProvisionedConcurrencyConfig", "lambda:GetRuntimeManagementConfig", "lambda:GetFunctionScalingConfig"],
    update: ["lambda:GetFunctionConfiguration", "lambda:PutFunctionScalingConfig"],
    delete: ["lambda:GetFunctionConfiguration", "lambda:DeleteFunction"],
  },
  "AWS::Logs::LogGroup": {
    create: ["logs:DescribeLogGroups", "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:GetDataProtectionPolicy", "logs:PutDataProtectionPolicy", "logs:CreateLogDelivery", "s3:REST.PUT.OBJECT", "firehose:TagDeliveryStream", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:PutIndexPolicy", "logs:DescribeIndexPolicies", "logs:PutBearerTokenAuthentication"],
    read: ["logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:GetDataProtectionPolicy", "logs:DescribeIndexPolicies", "logs:DescribeResourcePolicies"],
    update: ["logs:DescribeLogGroups", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:GetDataProtectionPolicy", "logs:PutDataProtectionPolicy", "logs:CreateLogDelivery", "s3:REST.PUT.OBJECT", "firehose:TagDeliveryStream", "logs:PutIndexPolicy", "logs:DeleteIndexPolicy", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DeleteResourcePolicy", "logs:PutLogGroupDeletionProtection", "logs:PutBearerTokenAuthentication"],
    delete: ["logs:DescribeLogGroups", "logs:DeleteLogGroup", "logs:DeleteDataProtectionPolicy"],
  },
  "AWS::Route53::RecordSet": {
    create: ["route53:ListHostedZones", "route53:GetChange", "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone"],
    read: ["route53:ListHostedZones", "route53:ListResourceRecordSets", "route53:GetHostedZone"],
    update: ["route53:ListHostedZones", "route53:GetChange", "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone"],
    delete: ["route53:ListHostedZones", "route53:GetChange", "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone"],
  },
  "AWS::S3::Bucket": {
    create: ["s3:CreateBucket", "s3:PutBucketTagging", "s3:TagResource", "s3:PutBucketAbac", "s3:PutAnalyticsConfiguration", "s3:PutEncryptionConfiguration", "s3:PutBucketCORS", "s3:PutInventoryConfiguration", "s3:PutLifecycleConfiguration", "s3:PutMetricsConfiguration", "s3:PutBucketNotification", "s3:PutBucketReplication", "s3:PutBucketWebsite", "s3:PutAccelerateConfiguration", "s3:PutBucketPublicAccessBlock", "s3:PutReplicationConfiguration", "s3:PutObjectAcl", "s3:PutBucketObjectLockConfiguration", "s3:GetBucketAcl", "s3:ListBucket", "iam:PassRole", "s3:DeleteObject", "s3:PutBucketLogging", "s3:PutBucketVersioning", "s3:PutObjectLockConfiguration", "s3:PutBucketOwnershipControls", "s3:PutIntelligentTieringConfiguration", "s3:GetBucketMetadataTableConfiguration", "s3:CreateBucketMetadataTableConfiguration", "s3tables:CreateNamespace", "s3tables:CreateTable", "s3tables:CreateTableBucket", "s3tables:GetTable", "s3tables:PutTableBucketPolicy", "s3tables:PutTableEncryption", "s3tables:PutTablePolicy", "s3tables:GetTableMetadataLocation", "s3tables:UpdateTableMetadataLocation"],
    read: ["s3:GetAccelerateConfiguration", "s3:GetLifecycleConfiguration", "s3:GetBucketPublicAccessBlock", "s3:GetAnalyticsConfiguration", "s3:GetBucketCORS", "s3:GetEncryptionConfiguration", "s3:GetInventoryConfiguration", "s3:GetBucketLogging", "s3:GetMetricsConfiguration", "s3:GetBucketNotification", "s3:GetBucketVersioning", "s3:GetReplicationConfiguration", "s3:GetBucketWebsite", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketTagging", "s3:ListTagsForResource", "s3:GetBucketAbac", "s3:GetBucketOwnershipControls", "s3:GetIntelligentTieringConfiguration", "s3:GetBucketMetadataTableConfiguration", "s3:ListBucket"],
    update: ["s3:PutBucketAcl", "s3:PutBucketTagging", "s3:TagResource", "s3:UntagResource", "s3:PutBucketAbac", "s3:PutAnalyticsConfiguration", "s3:PutEncryptionConfiguration", "s3:PutBucketCORS", "s3:PutInventoryConfiguration", "s3:PutLifecycleConfiguration", "s3:PutMetricsConfiguration", "s3:PutBucketNotification", "s3:PutBucketReplication", "s3:PutBucketWebsite", "s3:PutAccelerateConfiguration", "s3:GetBucketMetadataTableConfiguration", "s3:DeleteBucketMetadataTableConfiguration", "s3:CreateBucketMetadataTableConfiguration", "s3:UpdateBucketMetadataJournalTableConfiguration", "s3:UpdateBucketMetadataInventoryTableConfiguration", "s3:UpdateBucketMetadataAnnotationTableConfiguration", "s3tables:CreateNamespace", "s3tables:CreateTable", "s3tables:CreateTableBucket", "s3tables:GetTable", "s3tables:PutTableBucketPolicy", "s3tables:PutTableEncryption", "s3tables:PutTablePolicy", "s3tables:GetTableMetadataLocation", "s3tables:UpdateTableMetadataLocation", "s3:PutBucketPublicAccessBlock", "s3:PutReplicationConfiguration", "s3:PutBucketOwnershipControls", "s3:PutIntelligentTieringConfiguration", "s3:DeleteBucketWebsite", "s3:PutBucketLogging", "s3:PutBucketVersioning", "s3:PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration", "s3:DeleteBucketAnalyticsConfiguration", "s3:DeleteBucketCors", "s3:DeleteBucketMetricsConfiguration", "s3:DeleteBucketEncryption", "s3:DeleteBucketLifecycle", "s3:DeleteBucketReplication", "iam:PassRole", "s3:ListBucket"],
    delete: ["s3:DeleteBucket", "s3:ListBucket"],
  },
  "AWS::S3::BucketPolicy": {
    create: ["s3:GetBucketPolicy", "s3:PutBucketPolicy"],
    read: ["s3:GetBucketPolicy"],
    update: ["s3:GetBucketPolicy", "s3:PutBucketPolicy"],
    delete: ["s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
  },
};

/**
 * Handler permissions the deploying policy leaves out, with why. A service
 * prefix ("kms") covers its every action. Each one belongs to a property the
 * templates never set; nothing here may name an action no handler lists.
 */
export const NOT_NEEDED: Record<string, string> = {
  ec2: "Lambda's VpcConfig: the functions run outside a VPC",
  elasticfilesystem: "Lambda's FileSystemConfigs: no file system is mounted",
  s3files: "Lambda's FileSystemConfigs: no S3 Files mount",
  kms: "a customer-managed KMS key (Lambda's KmsKeyArn, a log group's KmsKeyId): none is used; the bucket is SSE-S3",
  "acm-pca": "a private certificate authority (CertificateAuthorityArn): the certificate is a public one",
  codedeploy: "alias traffic shifting through CodeDeploy (the UpdatePolicy attribute): not used",
  firehose: "log delivery to Firehose: not configured",
  s3tables: "S3 metadata tables (MetadataTableConfiguration): not configured",
  "s3:REST.PUT.OBJECT": "log delivery to S3; and not an IAM action",
};

/**
 * S3 API names the bucket's handlers list that are not IAM actions: S3
 * authorizes them with the IAM action given here ("Required permissions" of
 * each operation in the Amazon S3 API Reference), which the policy has.
 */
export const AUTHORIZED_AS: Record<string, string> = {
  "s3:DeleteBucketAnalyticsConfiguration": "s3:PutAnalyticsConfiguration",
  "s3:DeleteBucketCors": "s3:PutBucketCORS",
  "s3:DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
  "s3:DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
  "s3:DeleteBucketMetricsConfiguration": "s3:PutMetricsConfiguration",
  "s3:DeleteBucketReplication": "s3:PutReplicationConfiguration",
  "s3:PutBucketReplication": "s3:PutReplicationConfiguration",
  "s3:PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
};
