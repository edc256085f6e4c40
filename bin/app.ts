#!/usr/bin/env node
/**
 * CDK app entry: `npx cdk synth|deploy -c vpcId=... -c subnetIds=... -c listenerPort=... -c listenerProtocol=...`
 * (or `-c listeners=443/tcp,53/udp` for several listeners).
 * Environment-agnostic (no account/region, no lookups), so it synthesizes offline; cdk-nag runs
 * through the CDK validation API and its findings fail the synth.
 */
import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { CONFIG_KEYS, ConfigError, parseConfig } from '../lib/config';
import { FloodGuardStack } from '../lib/flood-guard-stack';
import { protocolName } from '../lib/config';

/** `env`: an account and region to synthesize for (tests of other partitions); by default none, so synth needs no credentials. */
export function buildApp(app: App = new App(), env?: Environment): { app: App; stack: FloodGuardStack } {
  const context = app.node.tryGetContext.bind(app.node);
  // Keys set on the app (cdk.json and -c) that this app does not read: used to hint at misspelt keys.
  const knownKeys = Object.keys(app.node.getAllContext() as object).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  const config = parseConfig(context, knownKeys);
  // Server access logs are delivered under a bucket policy, not the legacy log-delivery ACL.
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const stack = new FloodGuardStack(app, config.stackName, {
    config,
    ...(env ? { env } : {}),
    description: `nacl-flood-guard: network-flood auto-mitigation for ${config.vpcId} (${config.listeners.map((l) => `${protocolName(l.protocol)}/${l.port}`).join(', ')})`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

if (require.main === module) {
  try {
    buildApp();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
