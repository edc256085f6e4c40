import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionDeployment } from '../functions/common/contract';

/** Runtime of every function: the newest Node.js this aws-cdk-lib knows. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface FloodGuardFunctionProps {
  /** Handler module, relative to the repository root, exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Timeout, memory and reserved concurrency: the function's contract holds them, for the stack and the simulation. */
  readonly deployment: FunctionDeployment;
  /** The function's environment, as its contract's toEnvironment writes it. */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly encryptionKey: kms.IKey;
}

const REPOSITORY_ROOT = path.join(__dirname, '..');

/**
 * A bundled Node.js function with its own encrypted log group and a role that starts empty
 * (no AWSLambdaBasicExecutionRole): it may write only to its own log group, and every other
 * permission is added explicitly by the construct that owns the function.
 */
export class FloodGuardFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FloodGuardFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of: ${props.description}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPOSITORY_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.deployment.memoryMiB,
      timeout: Duration.seconds(props.deployment.timeoutSeconds),
      // Source maps only help when Node applies them to stack traces.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.deployment.reservedConcurrency,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      projectRoot: REPOSITORY_ROOT,
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // Bundle the SDK too: the deployed code is the code that was tested, whatever SDK the runtime ships.
        externalModules: [],
        target: 'node24',
      },
    });
  }
}
