/**
 * What a deploy with this context would create, read from the stack the real CDK app builds
 * (bin/app.ts, so the context is validated by lib/config.ts exactly as `cdk deploy` does): its
 * name and description, the concurrency it reserves, whether it uses Timestream, its flow logs.
 * No synthesis and no bundling: the construct tree holds all of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, DefaultStackSynthesizer } from 'aws-cdk-lib';
import type { CfnFlowLog } from 'aws-cdk-lib/aws-ec2';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { buildApp } from '../../bin/app';
import { parseConfig } from '../../lib/config';
import type { DeploymentPlan } from './checks/result';

/** The context key of the bootstrap qualifier (the CDK's own). */
export const QUALIFIER_CONTEXT_KEY = '@aws-cdk/core:bootstrapQualifier';

/** Builds the app with `context` (cdk.json's and the command line's); throws ConfigError as `cdk deploy` would. */
export function deploymentPlan(context: Readonly<Record<string, unknown>>): DeploymentPlan {
  const outdir = mkdtempSync(join(tmpdir(), 'flood-guard-preflight-'));
  try {
    // The CDK bundles only the stacks listed here: none, as nothing is deployed.
    const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const { stack, config } = buildStack(app);
    const resources = stack.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource);
    const ofType = <T>(type: string) => resources.filter((r) => r.cfnResourceType === type) as unknown as T[];
    const flowLogsPerSubnet = new Map<string, number>();
    for (const flowLog of ofType<CfnFlowLog>('AWS::EC2::FlowLog')) {
      flowLogsPerSubnet.set(flowLog.resourceId, (flowLogsPerSubnet.get(flowLog.resourceId) ?? 0) + 1);
    }
    const qualifier = app.node.tryGetContext(QUALIFIER_CONTEXT_KEY) as unknown;
    return {
      config,
      stackName: stack.stackName,
      description: stack.templateOptions.description,
      reservedConcurrency: ofType<CfnFunction>('AWS::Lambda::Function').reduce((sum, f) => sum + (f.reservedConcurrentExecutions ?? 0), 0),
      usesTimestream: resources.some((r) => r.cfnResourceType.startsWith('AWS::Timestream::')),
      flowLogsPerSubnet,
      bootstrapQualifier: typeof qualifier === 'string' && qualifier !== '' ? qualifier : DefaultStackSynthesizer.DEFAULT_QUALIFIER,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The app's stack, and the configuration it was built from (the same validation, run again over the same context). */
function buildStack(app: App) {
  const { stack } = buildApp(app);
  return { stack, config: parseConfig(app.node.tryGetContext.bind(app.node)) };
}
