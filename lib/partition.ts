/**
 * Names that differ between AWS partitions (aws, aws-cn, aws-us-gov): the stack builds them from
 * the deployment's partition and URL suffix, never from the aws partition's spelling.
 */
import { Aws } from 'aws-cdk-lib';

/** AWS Management Console host of each partition (AWS General Reference, console endpoints). */
export const CONSOLE_HOSTS = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
} as const;

/**
 * `<service>.<region>.<URL suffix>`: the regional endpoint host that regional service principals
 * (CloudWatch Logs) and `kms:ViaService` values name; the suffix is amazonaws.com.cn in aws-cn.
 * Global service principals stay `<service>.amazonaws.com`, which every partition accepts.
 */
export function regionalServiceHost(service: string): string {
  return `${service}.${Aws.REGION}.${Aws.URL_SUFFIX}`;
}

/** Where Step Functions vended logs must go: CloudWatch Logs caps resource policies, and this prefix needs none per log group. */
export const VENDED_STATES_LOG_PREFIX = '/aws/vendedlogs/states/';
