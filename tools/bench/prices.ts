/**
 * AWS list prices, us-east-1, in USD: the one place the cost section (./cost.ts) takes them from.
 * Looked up on 2026-12-01; check the pricing pages before relying on them.
 */
export const PRICES_AS_OF = '2026-12-01';
export const PRICE_REGION = 'us-east-1';

export const PRICES = {
  /** CloudWatch Logs, vended logs (VPC flow logs) delivered to CloudWatch Logs, first 10 TB a month, per GB. aws.amazon.com/cloudwatch/pricing */
  vendedLogsIngestionPerGb: 0.5,
  /** CloudWatch Logs Insights, per GB scanned. aws.amazon.com/cloudwatch/pricing */
  insightsScannedPerGb: 0.005,
  /** Timestream for LiveAnalytics, per million 1 KB writes. aws.amazon.com/timestream/pricing */
  timestreamWritesPerMillion: 0.5,
  /** Timestream for LiveAnalytics queries, per TCU-hour (accounts onboarded after 2024-04-29). aws.amazon.com/timestream/pricing */
  timestreamTcuHour: 0.5,
  /** DynamoDB on-demand (after the November 2024 reduction), per million write / read request units. aws.amazon.com/dynamodb/pricing/on-demand */
  dynamoWriteRequestUnitsPerMillion: 0.625,
  dynamoReadRequestUnitsPerMillion: 0.125,
  /** Lambda arm64, per GB-second and per million requests. aws.amazon.com/lambda/pricing */
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  /** Step Functions Express, per million requests and per GB-second. aws.amazon.com/step-functions/pricing */
  expressRequestsPerMillion: 1,
  expressGbSecond: 0.00001667,
  /** KMS customer managed key, per month. CloudWatch: per standard alarm and per dashboard, per month. SNS per million publishes. */
  kmsKeyMonth: 1,
  alarmMonth: 0.1,
  dashboardMonth: 3,
  snsPublishesPerMillion: 0.5,
} as const;

/** Timestream's query minimum: 4 TCUs, each query billed at least 30 seconds (developer guide, "Billing for TCU"). */
export const TIMESTREAM_MIN_TCU = 4;
export const TIMESTREAM_MIN_QUERY_SECONDS = 30;
