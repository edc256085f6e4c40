/**
 * What sets one deployment apart from another in the same account and region (one per VPC or
 * per network ACL): its stack name, the metrics namespace derived from it, and the tag that marks
 * the network ACLs it owns. Pure module, for the configuration and the stack.
 */
import { DEFAULT_METRICS_NAMESPACE } from '../core/metrics';

/** CloudFormation stack names: a letter, then letters, digits and hyphens, at most 128 characters. */
export const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** Why a stack name cannot be used, with the fix; undefined when it can. */
export function stackNameProblem(name: string): string | undefined {
  if (STACK_NAME_PATTERN.test(name)) return undefined;
  return (
    `stackName "${name}" is not a CloudFormation stack name (a letter, then letters, digits or hyphens, at most 128). ` +
    'Fix: -c stackName=NaclFloodGuard-edge, one name per deployment.'
  );
}

export const STACK_NAME_PREFIX = 'NaclFloodGuard';

/** One stack per VPC by default; a second deployment in the same VPC (another ACL) names its own. */
export function defaultStackName(vpcId: string): string {
  return `${STACK_NAME_PREFIX}-${vpcId}`;
}

/** Each deployment counts in its own namespace: the flow-log metric filters carry no dimension to tell two apart. */
export function defaultMetricsNamespace(stackName: string): string {
  return `${DEFAULT_METRICS_NAMESPACE}/${stackName}`;
}

/** Tag on the blue and green ACLs naming the stack that owns them; the updater's write permissions require it. */
export const DEPLOYMENT_TAG = 'nacl-flood-guard:deployment';
