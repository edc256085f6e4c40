import { CustomResource } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { REPORT_MODE_RESTORE_TYPE, type ReportModeRestoreProperties } from '../functions/network-facts/contract';
import type { FloodGuardFunction } from './lambda-function';

export interface ReportModeRestoreProps {
  readonly blueAcl: ec2.CfnNetworkAcl;
  readonly greenAcl: ec2.CfnNetworkAcl;
  readonly originalNetworkAclId: string;
  /** The deploy-time function that moves the subnets. */
  readonly deployTimeFunction: FloodGuardFunction;
  /** The updater: the subnets move only once it runs in report mode with its read-only role. */
  readonly updater: FloodGuardFunction;
}

/**
 * Report mode only (docs/report-mode.md): a custom resource that moves the protected subnets off
 * blue and green onto their original ACL. A deploy that switches to report mode creates it, so
 * the subnets leave the deny rules during that deploy. It waits for the updater's function and
 * role, so no block-mode updater can move them back afterwards. A deploy back to block mode
 * deletes it, which changes nothing: the updater blocks with its next verdict.
 */
export class ReportModeRestore extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ReportModeRestoreProps) {
    super(scope, id);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.deployTimeFunction.function.functionArn,
      resourceType: REPORT_MODE_RESTORE_TYPE,
      properties: {
        BlueNetworkAclId: props.blueAcl.attrId,
        GreenNetworkAclId: props.greenAcl.attrId,
        OriginalNetworkAclId: props.originalNetworkAclId,
      } satisfies ReportModeRestoreProperties,
    });
    this.resource.node.addDependency(props.updater.function, props.updater.role, props.deployTimeFunction.role);
  }
}
