/**
 * CloudFormation custom resource "NetworkFacts" (single Lambda, no provider framework).
 *
 * Create/Update: finds the protected subnets' shared ACL and the VPC's CIDRs (Data:
 * OriginalNetworkAclId, VpcCidrs) and records the original ACL as a tag on the stack's blue and
 * green ACLs. Delete: moves every subnet on blue or green back to that recorded ACL, so
 * CloudFormation can delete them.
 *
 * The same function serves "AllowListSeed" (see allow-list-seed.ts). Every outcome, failures included, is
 * sent to CloudFormation's response URL: a handler that never answers would hang the stack for an hour.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import { sdkClientOptions } from '../common/client-options';
import { powertoolsTelemetry } from '../common/powertools-telemetry';
import { instrumented, type InvocationContext, type Telemetry } from '../common/telemetry';
import { seedAllowList } from './allow-list-seed';
import {
  ALLOW_LIST_SEED_TYPE,
  FAILED_CREATE_ID,
  NETWORK_FACTS_ATTRIBUTES,
  NETWORK_FACTS_CALLS,
  NETWORK_FACTS_SERVICE_NAME,
  physicalIdOf,
  REPORT_MODE_RESTORE_TYPE,
  SEEDED_OBJECTS,
  type AllowListSeedProperties,
  type NetworkFactsProperties,
  type ReportModeRestoreProperties,
} from './contract';
import {
  discoverNetworkFacts,
  NetworkFactsError,
  recordedOriginalAcl,
  recordOriginalAcl,
  restoreOriginalAcl,
  type ProtectedNetwork,
  type Sleep,
} from './network-facts';

/** CloudFormation caps the whole response at 4 KiB; the full reason goes to the log. */
const MAX_REASON = 1500;

export interface Deps {
  readonly ec2: EC2Client;
  readonly s3: S3Client;
  /** PUTs the response document to the pre-signed URL. */
  readonly respond: (url: string, body: string) => Promise<void>;
  /** Structured logs through Powertools (the function emits no metrics). */
  readonly telemetry: Telemetry;
  /** Waits between retries of a call on a resource just created. @default a timer */
  readonly sleep?: Sleep;
}

type Outcome = { physicalId: string; data?: Record<string, string> };

export type NetworkFactsHandler = (event: CloudFormationCustomResourceEvent, context?: InvocationContext) => Promise<void>;

export function createHandler(deps: Deps): NetworkFactsHandler {
  const { logger } = deps.telemetry;
  return (event, context) =>
    instrumented(deps.telemetry, context, async () => {
      let response: CloudFormationCustomResourceResponse;
      try {
        const outcome = await apply(deps, event);
        response = { ...common(event), Status: 'SUCCESS', PhysicalResourceId: outcome.physicalId, Data: outcome.data };
        logger.info('custom resource succeeded', { requestType: event.RequestType, ...outcome });
      } catch (error) {
        const reason =
          error instanceof NetworkFactsError ? error.message : `Unexpected error: ${String((error as Error)?.message ?? error)}`;
        logger.error('custom resource failed', { requestType: event.RequestType, reason, error });
        response = {
          ...common(event),
          Status: 'FAILED',
          Reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}... (see the function log)` : reason,
          PhysicalResourceId: event.RequestType === 'Create' ? FAILED_CREATE_ID : event.PhysicalResourceId,
        };
      }
      await deps.respond(event.ResponseURL, JSON.stringify(response));
    });
}

function common(event: CloudFormationCustomResourceEvent) {
  return { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
}

async function apply(deps: Deps, event: CloudFormationCustomResourceEvent): Promise<Outcome> {
  if (event.ResourceType === ALLOW_LIST_SEED_TYPE) return applySeed(deps, event);
  if (event.ResourceType === REPORT_MODE_RESTORE_TYPE) return applyReportModeRestore(deps, event);
  const network = protectedNetwork(event.ResourceProperties as unknown as NetworkFactsProperties);
  switch (event.RequestType) {
    case 'Create':
      return recordFacts(deps, network, physicalIdOf(network.vpcId, network.stackAclIds[0] as string));
    case 'Update': {
      // Subnets on a stack ACL are mid-mitigation: their original is the one recorded before.
      const previous = await recordedOriginalAcl(deps.ec2, network.stackAclIds);
      const outcome = await recordFacts(deps, network, event.PhysicalResourceId, previous);
      const dropped = droppedSubnets(event.OldResourceProperties as unknown as NetworkFactsProperties, network);
      // Subnets no longer protected must not stay on a stack ACL the updater will never touch again.
      if (dropped.length > 0) {
        await restoreOriginalAcl(deps.ec2, network.stackAclIds, {
          originalNetworkAclId: previous ?? outcome.data?.[NETWORK_FACTS_ATTRIBUTES.originalNetworkAclId],
          onlySubnetIds: dropped,
        });
      }
      return outcome;
    }
    case 'Delete': {
      if (event.PhysicalResourceId === FAILED_CREATE_ID) return { physicalId: event.PhysicalResourceId };
      const moved = await restoreOriginalAcl(deps.ec2, network.stackAclIds);
      deps.telemetry.logger.info('subnets moved back to their original ACL', { moved });
      return { physicalId: event.PhysicalResourceId };
    }
  }
}

async function applySeed(deps: Deps, event: CloudFormationCustomResourceEvent): Promise<Outcome> {
  const props = event.ResourceProperties as unknown as AllowListSeedProperties;
  if (!props?.Bucket || !props?.Key) throw new NetworkFactsError('Resource properties Bucket and Key are required.');
  if (props.List !== undefined && !SEEDED_OBJECTS.includes(props.List)) {
    const accepted = SEEDED_OBJECTS.map((name) => `"${name}"`).join(', ');
    throw new NetworkFactsError(`Resource property List must be one of ${accepted}, got ${JSON.stringify(props.List)}.`);
  }
  const physicalId = `s3://${props.Bucket}/${props.Key}`;
  // The lists are operator data, the state the updater's memory: deleting the stack keeps them (the bucket is retained too).
  if (event.RequestType === 'Delete') return { physicalId: event.PhysicalResourceId };
  const outcome = await seedAllowList(deps.s3, props);
  const what = props.List === 'repeat-offenders' ? 'repeat-offender state' : `${props.List ?? 'allow'} list`;
  deps.telemetry.logger.info(`${what} seeded`, { object: physicalId, outcome });
  return { physicalId };
}

/** Report mode: subnets on a stack ACL (blocked before the switch) go back to their original ACL. */
async function applyReportModeRestore(deps: Deps, event: CloudFormationCustomResourceEvent): Promise<Outcome> {
  const props = event.ResourceProperties as unknown as ReportModeRestoreProperties;
  if (!props?.BlueNetworkAclId || !props?.GreenNetworkAclId || !props?.OriginalNetworkAclId) {
    throw new NetworkFactsError('Resource properties BlueNetworkAclId, GreenNetworkAclId and OriginalNetworkAclId are required.');
  }
  const physicalId = `report-mode-${props.BlueNetworkAclId}-${props.GreenNetworkAclId}`;
  // Leaving report mode (the resource is deleted) lets the updater block with its next verdict: nothing to do here.
  if (event.RequestType === 'Delete') return { physicalId: event.PhysicalResourceId };
  const moved = await restoreOriginalAcl(deps.ec2, [props.BlueNetworkAclId, props.GreenNetworkAclId], {
    originalNetworkAclId: props.OriginalNetworkAclId,
  });
  deps.telemetry.logger.info('report mode: subnets moved back to their original ACL', { moved });
  return { physicalId };
}

async function recordFacts(deps: Deps, network: ProtectedNetwork, physicalId: string, previousOriginal?: string): Promise<Outcome> {
  const facts = await discoverNetworkFacts(deps.ec2, network, previousOriginal);
  if (facts.originalNetworkAclId !== previousOriginal) {
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    await recordOriginalAcl(deps.ec2, network.stackAclIds, facts.originalNetworkAclId, sleep);
  }
  return {
    physicalId,
    data: {
      [NETWORK_FACTS_ATTRIBUTES.originalNetworkAclId]: facts.originalNetworkAclId,
      [NETWORK_FACTS_ATTRIBUTES.vpcCidrs]: facts.vpcCidrs.join(','),
    },
  };
}

function protectedNetwork(props: NetworkFactsProperties): ProtectedNetwork {
  const subnetIds = Array.isArray(props?.SubnetIds) ? props.SubnetIds : [];
  if (!props?.VpcId || subnetIds.length === 0 || !props.BlueNetworkAclId || !props.GreenNetworkAclId) {
    throw new NetworkFactsError('Resource properties VpcId, SubnetIds, BlueNetworkAclId and GreenNetworkAclId are required.');
  }
  return { vpcId: props.VpcId, subnetIds, stackAclIds: [props.BlueNetworkAclId, props.GreenNetworkAclId] };
}

function droppedSubnets(old: NetworkFactsProperties | undefined, network: ProtectedNetwork): string[] {
  const before = Array.isArray(old?.SubnetIds) ? old.SubnetIds : [];
  return before.filter((id) => !network.subnetIds.includes(id));
}

/** PUT with an empty content type: the pre-signed URL was signed without one. */
export async function putResponse(url: string, body: string): Promise<void> {
  const result = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!result.ok) throw new Error(`CloudFormation response upload failed with HTTP ${result.status}`);
}

export const handler = createHandler({
  ec2: new EC2Client(sdkClientOptions(NETWORK_FACTS_CALLS)),
  s3: new S3Client(sdkClientOptions(NETWORK_FACTS_CALLS)),
  respond: putResponse,
  // It emits no metrics: the namespace is only there for the port's shape.
  telemetry: powertoolsTelemetry({ serviceName: NETWORK_FACTS_SERVICE_NAME, metricsNamespace: DEFAULT_METRICS_NAMESPACE }),
});
