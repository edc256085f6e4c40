import { CustomResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  NETWORK_FACTS_ATTRIBUTES,
  NETWORK_FACTS_DEPLOYMENT,
  NETWORK_FACTS_TYPE,
  ORIGINAL_ACL_TAG,
  toEnvironment,
  type NetworkFactsProperties,
} from '../functions/network-facts/contract';
import { FloodGuardFunction } from './lambda-function';
import { DEPLOYMENT_TAG } from './deployment-name';
import { acknowledge } from './nag';

export interface StackNetworkAclsProps {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly logRetention: logs.RetentionDays;
  readonly encryptionKey: kms.IKey;
}

/**
 * The stack's blue and green network ACLs and the deploy-time facts about the protected network:
 * the subnets' original ACL and the VPC's CIDRs, discovered by a custom resource (no synth-time
 * lookups), which records the original ACL as a tag on blue and green. The custom resource depends
 * on both ACLs, so on stack deletion it runs first and moves every subnet back to its original ACL
 * before CloudFormation deletes blue and green.
 */
export class StackNetworkAcls extends Construct {
  readonly blue: ec2.CfnNetworkAcl;
  readonly green: ec2.CfnNetworkAcl;
  readonly facts: CustomResource;
  readonly factsFunction: FloodGuardFunction;

  constructor(scope: Construct, id: string, props: StackNetworkAclsProps) {
    super(scope, id);
    this.blue = this.networkAcl('Blue', props.vpcId);
    this.green = this.networkAcl('Green', props.vpcId);

    this.factsFunction = new FloodGuardFunction(this, 'FactsFunction', {
      entry: 'functions/network-facts/handler.ts',
      description: 'nacl-flood-guard deploy-time network facts: original ACL, VPC CIDRs, ACL teardown',
      deployment: NETWORK_FACTS_DEPLOYMENT,
      environment: toEnvironment(),
      logRetention: props.logRetention,
      encryptionKey: props.encryptionKey,
    });
    this.grantEc2(props.vpcId);

    this.facts = new CustomResource(this, 'Facts', {
      serviceToken: this.factsFunction.function.functionArn,
      resourceType: NETWORK_FACTS_TYPE,
      properties: {
        VpcId: props.vpcId,
        SubnetIds: [...props.subnetIds],
        BlueNetworkAclId: this.blue.attrId,
        GreenNetworkAclId: this.green.attrId,
      } satisfies NetworkFactsProperties,
    });
    // The role's policy must exist before CloudFormation invokes the function, and outlive its Delete.
    this.facts.node.addDependency(this.factsFunction.role);
    this.acknowledgeFindings();
  }

  get originalNetworkAclId(): string {
    return this.facts.getAttString(NETWORK_FACTS_ATTRIBUTES.originalNetworkAclId);
  }

  /** Comma-joined IPv4 and IPv6 CIDRs of the VPC. */
  get vpcCidrs(): string {
    return this.facts.getAttString(NETWORK_FACTS_ATTRIBUTES.vpcCidrs);
  }

  private networkAcl(color: 'Blue' | 'Green', vpcId: string): ec2.CfnNetworkAcl {
    return new ec2.CfnNetworkAcl(this, color, {
      vpcId,
      // Named after the stack, and tagged with it: the write permissions of this deployment's functions require that tag.
      tags: [
        { key: 'Name', value: `${Stack.of(this).stackName}-${color.toLowerCase()}` },
        { key: 'nacl-flood-guard:role', value: color.toLowerCase() },
        { key: DEPLOYMENT_TAG, value: Stack.of(this).stackName },
      ],
    });
  }

  private grantEc2(vpcId: string): void {
    const stack = Stack.of(this);
    const role = this.factsFunction.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RecordOriginalAclOnStackAcls',
        actions: ['ec2:CreateTags'],
        resources: [this.blue, this.green].map((acl) =>
          stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: acl.attrId }),
        ),
        conditions: {
          'ForAllValues:StringEquals': { 'aws:TagKeys': [ORIGINAL_ACL_TAG] },
          StringEquals: ownedByThisStack(stack),
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeNetwork',
        actions: ['ec2:DescribeSubnets', 'ec2:DescribeNetworkAcls', 'ec2:DescribeVpcs'],
        resources: ['*'],
      }),
    );
    // The original ACL is what this function discovers, so it cannot be named here: any ACL and
    // subnet of the protected VPC (ec2:Vpc condition on both resource types the action authorizes).
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'MoveSubnetsBackInThisVpc',
        actions: ['ec2:ReplaceNetworkAclAssociation'],
        resources: [
          stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' }),
          stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: '*' }),
        ],
        conditions: { ArnEquals: { 'ec2:Vpc': stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: vpcId }) } },
      }),
    );
  }

  private acknowledgeFindings(): void {
    const policy = this.factsFunction.role;
    // cdk-nag names a resource by its ARN as synthesized: pseudo parameters, or the stack's own account and region when set.
    const stack = Stack.of(this);
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const arnPrefix = `arn:<AWS::Partition>:ec2:${shown(stack.region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}`;
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeSubnets, DescribeNetworkAcls and DescribeVpcs support no resource-level permissions (Service Authorization Reference); X-Ray PutTraceSegments/PutTelemetryRecords likewise.',
    );
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${arnPrefix}:network-acl/*]`,
      'The target is the original ACL this function discovers at deploy time, so its id is unknown to the policy; the ec2:Vpc condition limits it to ACLs of the protected VPC.',
    );
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${arnPrefix}:subnet/*]`,
      'Subnets dropped from protection on update must also move back, so the list is wider than the current subnetIds; the ec2:Vpc condition limits it to subnets of the protected VPC.',
    );
    acknowledge(
      this.factsFunction.function,
      'Serverless-LambdaDLQ',
      'Invoked by CloudFormation for one custom resource event; the handler reports every failure to CloudFormation (the stack operation fails with the reason), so there is nothing to dead-letter.',
    );
  }
}

/** IAM condition: the resource carries this stack's deployment tag (an ACL of another deployment never does). */
export function ownedByThisStack(stack: Stack): Record<string, string> {
  return { [`aws:ResourceTag/${DEPLOYMENT_TAG}`]: stack.stackName };
}
