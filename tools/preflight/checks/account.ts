/**
 * Account checks: flow logs per subnet, access to the Timestream store, Lambda concurrency, the
 * CDK bootstrap stack and the stack name.
 */
import type { Stack } from '@aws-sdk/client-cloudformation';
import type { FlowLog } from '@aws-sdk/client-ec2';
import type { AccountLimit } from '@aws-sdk/client-lambda';
import { fail, listed, pass, STACK_NAME_TAG, tagValue, unreadable, type CheckResult, type DeploymentPlan, type Read } from './result';

/** Flow logs per subnet (Amazon VPC quotas, "Flow logs per single network interface, single subnet, or single VPC"): it cannot be raised. */
export const FLOW_LOGS_PER_SUBNET = 2;

const FLOW_LOG_CHECK = 'flow logs per subnet';

/**
 * `flowLogs`: the flow logs of the subnets (DescribeFlowLogs by resource-id). Flow logs of this
 * deployment's own stack are replaced, not added, by a redeploy, so they do not count.
 */
export function checkFlowLogs(plan: DeploymentPlan, flowLogs: Read<readonly FlowLog[]>): CheckResult {
  if (!flowLogs.ok) return unreadable(FLOW_LOG_CHECK, 'the flow logs', flowLogs.error, 'ec2:DescribeFlowLogs');
  const others = flowLogs.value.filter((f) => tagValue(f.Tags, STACK_NAME_TAG) !== plan.stackName);
  const over = plan.config.subnetIds.flatMap((subnet) => {
    const existing = others.filter((f) => f.ResourceId === subnet).map((f) => f.FlowLogId ?? '?');
    const added = plan.flowLogsPerSubnet.get(subnet) ?? 0;
    return existing.length + added > FLOW_LOGS_PER_SUBNET ? [`${subnet} has ${existing.length} (${existing.join(', ')})`] : [];
  });
  if (over.length > 0) {
    return fail(
      FLOW_LOG_CHECK,
      `${listed(over)}; the stack adds 1 per subnet and AWS allows ${FLOW_LOGS_PER_SUBNET} per subnet (this limit cannot be raised)`,
      'delete a flow log you no longer need (aws ec2 delete-flow-logs --flow-log-ids <id>), or protect other subnets',
    );
  }
  return pass(FLOW_LOG_CHECK, `${others.length} other flow log${others.length === 1 ? '' : 's'} on the subnets: room for the stack's`);
}

const TIMESTREAM_CHECK = 'Timestream access';

/** The answer new accounts get since Timestream for LiveAnalytics closed to new customers (2025-06-20). */
const CLOSED_TO_NEW_CUSTOMERS = /Only existing Timestream for LiveAnalytics customers/i;

/** `access`: the outcome of a Timestream read (ListDatabases); ignored when the stack uses another store. */
export function checkTimestream(plan: DeploymentPlan, access: Read<unknown> | undefined): CheckResult {
  if (!plan.usesTimestream || access === undefined) return pass(TIMESTREAM_CHECK, 'not needed: the bin store is not Timestream');
  if (access.ok) return pass(TIMESTREAM_CHECK, 'this account can use Timestream for LiveAnalytics');
  if (CLOSED_TO_NEW_CUSTOMERS.test(access.error)) {
    return fail(
      TIMESTREAM_CHECK,
      'Timestream for LiveAnalytics is closed to this account (it accepts only existing customers)',
      'deploy with -c binStore=dynamodb',
    );
  }
  return unreadable(TIMESTREAM_CHECK, 'Timestream', access.error, 'timestream:DescribeEndpoints and timestream:ListDatabases');
}

/** Unreserved concurrency Lambda keeps per account: reservations may not take it below this. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

const LAMBDA_CHECK = 'Lambda concurrency';

/** `limits`: GetAccountSettings' AccountLimit. */
export function checkLambdaConcurrency(plan: DeploymentPlan, limits: Read<AccountLimit>): CheckResult {
  if (!limits.ok) return unreadable(LAMBDA_CHECK, 'the Lambda account settings', limits.error, 'lambda:GetAccountSettings');
  const unreserved = limits.value.UnreservedConcurrentExecutions ?? 0;
  const total = limits.value.ConcurrentExecutions ?? 0;
  const reserved = plan.reservedConcurrency;
  const figures = `${unreserved} of the account's ${total} concurrent executions are unreserved`;
  if (reserved === 0) return pass(LAMBDA_CHECK, `the stack reserves none (its verdict queue runs one updater at a time); ${figures}`);
  if (unreserved - reserved < MIN_UNRESERVED_CONCURRENCY) {
    return fail(
      LAMBDA_CHECK,
      `the stack reserves ${reserved} but ${figures}, and Lambda keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved`,
      'deploy without -c updaterReservedConcurrency (none reserved, the default: the verdict queue keeps one writer without it), or request a higher "Concurrent executions" quota (Service Quotas, lambda L-B99A9384)',
    );
  }
  return pass(LAMBDA_CHECK, `the stack reserves ${reserved}; ${figures}`);
}

/** Bootstrap version the CDK's default synthesizer requires (the template's CheckBootstrapVersion rule). */
export const MIN_BOOTSTRAP_VERSION = 6;

const BOOTSTRAP_CHECK = 'CDK bootstrap';

/** `toolkit`: the toolkit stack (DescribeStacks by its name), undefined when it does not exist. */
export function checkBootstrap(plan: DeploymentPlan, toolkitStackName: string, toolkit: Read<Stack | undefined>): CheckResult {
  const fix = `npx cdk bootstrap --toolkit-stack-name ${toolkitStackName}${plan.bootstrapQualifier === DEFAULT_QUALIFIER ? '' : ` --qualifier ${plan.bootstrapQualifier}`}`;
  if (!toolkit.ok) return unreadable(BOOTSTRAP_CHECK, `stack ${toolkitStackName}`, toolkit.error, 'cloudformation:DescribeStacks');
  const stack = toolkit.value;
  if (stack === undefined) return fail(BOOTSTRAP_CHECK, `no bootstrap stack ${toolkitStackName} in this account and region`, fix);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (!isSettled(status)) return fail(BOOTSTRAP_CHECK, `${toolkitStackName} is ${status}`, `wait for it or repair it, then ${fix}`);
  const qualifier = stack.Parameters?.find((p) => p.ParameterKey === 'Qualifier')?.ParameterValue;
  if (qualifier !== undefined && qualifier !== plan.bootstrapQualifier) {
    return fail(BOOTSTRAP_CHECK, `${toolkitStackName} has qualifier ${qualifier}, the app expects ${plan.bootstrapQualifier}`, fix);
  }
  const version = Number(stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue);
  if (!(version >= MIN_BOOTSTRAP_VERSION)) {
    return fail(
      BOOTSTRAP_CHECK,
      `${toolkitStackName} is at bootstrap version ${Number.isNaN(version) ? 'unknown' : version}, below ${MIN_BOOTSTRAP_VERSION}`,
      fix,
    );
  }
  return pass(BOOTSTRAP_CHECK, `${toolkitStackName} (qualifier ${plan.bootstrapQualifier}, version ${version})`);
}

/** The CDK's default bootstrap qualifier. */
export const DEFAULT_QUALIFIER = 'hnb659fds';

const STACK_CHECK = 'stack name';

/**
 * `existing`: the stack of that name (DescribeStacks), undefined when there is none. It is this
 * deployment's when it is a nacl-flood-guard stack for the same VPC (its description says which).
 */
export function checkStackName(plan: DeploymentPlan, existing: Read<Stack | undefined>): CheckResult {
  const name = plan.stackName;
  if (!existing.ok) return unreadable(STACK_CHECK, `stack ${name}`, existing.error, 'cloudformation:DescribeStacks');
  const stack = existing.value;
  if (stack === undefined) return pass(STACK_CHECK, `${name} is free: the deploy creates it`);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED' || status === 'DELETE_FAILED') {
    return fail(
      STACK_CHECK,
      `${name} is ${status} from an earlier deploy and cannot be updated`,
      `aws cloudformation delete-stack --stack-name ${name}, then deploy`,
    );
  }
  if (!isSettled(status))
    return fail(STACK_CHECK, `${name} is ${status}`, 'wait until the operation in progress ends, then run the preflight again');
  const theirs = stack.Description ?? '';
  if (!theirs.startsWith(DESCRIPTION_PREFIX)) {
    return fail(STACK_CHECK, `${name} exists and is not a nacl-flood-guard deployment`, `choose another name: -c stackName=<name>`);
  }
  const ourVpc = plan.config.vpcId;
  const theirVpc = VPC_IN_TEXT.exec(theirs)?.[0];
  if (theirVpc !== ourVpc) {
    return fail(
      STACK_CHECK,
      `${name} protects ${theirVpc ?? 'another VPC'}: deploying would move its protection to ${ourVpc}`,
      `choose another name for this deployment: -c stackName=<name>`,
    );
  }
  return pass(STACK_CHECK, `${name} is this deployment (${ourVpc}, ${status}): the deploy updates it`);
}

/** Every nacl-flood-guard stack description starts with this (bin/app.ts). */
export const DESCRIPTION_PREFIX = 'nacl-flood-guard:';
const VPC_IN_TEXT = /\bvpc-[0-9a-f]{8}(?:[0-9a-f]{9})?\b/;

/** A stack status that CloudFormation can start a new operation from. */
function isSettled(status: string): boolean {
  return status.endsWith('_COMPLETE') && status !== 'DELETE_COMPLETE' && !status.endsWith('_IN_PROGRESS');
}

/** The outputs of a stack as a record (empty when there is none). */
export function outputsOf(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries(
    (stack?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [])),
  );
}
