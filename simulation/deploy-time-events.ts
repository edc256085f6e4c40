/** The custom resource events CloudFormation sends the deploy-time function in a simulated redeploy. */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { REPORT_MODE_RESTORE_TYPE, type ReportModeRestoreProperties } from '../functions/network-facts/contract';
import { createHandler, type Deps } from '../functions/network-facts/handler';
import type { DeployedResources } from './deployment-settings';

/** The deploy-time function (network facts) on one custom resource event; throws what CloudFormation would show when it fails. */
export async function runDeployTimeFunction(deps: Omit<Deps, 'respond'>, event: CloudFormationCustomResourceEvent): Promise<void> {
  const responses: { Status?: string; Reason?: string }[] = [];
  const handler = createHandler({
    ...deps,
    respond: async (_url, body) => {
      responses.push(JSON.parse(body) as { Status?: string; Reason?: string });
    },
  });
  await handler(event);
  const response = responses[0];
  if (response?.Status !== 'SUCCESS') throw new Error(`${event.ResourceType} failed: ${response?.Reason ?? 'no response'}`);
}

/** Create of Custom::ReportModeRestore: what a deploy that switches to report mode sends. */
export function reportModeRestoreEvent(resources: DeployedResources): CloudFormationCustomResourceEvent {
  const properties: ReportModeRestoreProperties = {
    BlueNetworkAclId: resources.blueNaclId,
    GreenNetworkAclId: resources.greenNaclId,
    OriginalNetworkAclId: resources.originalNaclId,
  };
  return {
    RequestType: 'Create',
    ServiceToken: 'simulated',
    ResponseURL: 'https://cloudformation.invalid/response',
    StackId: 'simulated',
    RequestId: 'simulated',
    LogicalResourceId: 'ReportModeRestore',
    ResourceType: REPORT_MODE_RESTORE_TYPE,
    ResourceProperties: { ServiceToken: 'simulated', ...properties },
  };
}
