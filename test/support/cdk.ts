/**
 * The real CDK app, synthesized for tests, and readers of its template: references resolved as
 * CloudFormation would, policy statements of every kind, logical ids by prefix.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../bin/app';
import type { FloodGuardStack } from '../../lib/flood-guard-stack';
import { STACK_CONTEXT } from './builders';

export interface Synthesized {
  readonly app: App;
  readonly stack: FloodGuardStack;
  readonly template: Template;
  /** The cloud assembly on disk (assets, reports): there until `dispose()`. */
  readonly assembly: CloudAssembly;
  /** Removes the assembly directory: call it in the afterAll hook of the file that synthesized. */
  readonly dispose: () => void;
}

export interface SynthesizeOptions {
  /**
   * Bundle the three functions with esbuild, as `cdk synth` does. Only tests of the bundles need
   * it; without it the template is the same but for the assets' hashes, and the synth takes
   * seconds less (the CDK skips bundling for stacks not listed in `aws:cdk:bundling-stacks`).
   * @default false
   */
  readonly bundle?: boolean;
  /**
   * Run the CDK's built-in CloudFormation validation, as `cdk synth` does (its findings fail the
   * synth). The stack test checks it; elsewhere it would only add the seconds its engine takes to
   * start in each test file.
   * @default false
   */
  readonly validate?: boolean;
}

/**
 * Synthesizes the real app (bin/app.ts: configuration, stack, cdk-nag plugins) into a fresh
 * directory: call once per test file.
 */
export function synthesize(context: Record<string, unknown> = STACK_CONTEXT, options: SynthesizeOptions = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flood-guard-stack-'));
  try {
    const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
    const app = new App({ outdir, context: { ...context, ...bundling }, builtinCloudFormationValidation: options.validate ?? false });
    const { stack } = buildApp(app);
    const assembly = app.synth();
    const dispose = () => fs.rmSync(outdir, { recursive: true, force: true });
    return { app, stack, template: Template.fromStack(stack), assembly, dispose };
  } catch (error) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

/** Values for the template's Refs and GetAtts, by `LogicalId` or `LogicalId.Attribute`. */
export type ResolvedIds = Record<string, string>;

/** The pseudo parameters of a deployment in eu-west-1 of the aws partition. */
export const AWS_PSEUDO: ResolvedIds = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111122223333',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

export interface ResolveOptions {
  /** Pseudo parameters (AWS::Region, AWS::Partition, ...). @default AWS_PSEUDO */
  readonly pseudo?: ResolvedIds;
  /** The template's Mappings, for Fn::FindInMap. */
  readonly mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * Resolves Ref, Fn::GetAtt, Fn::Join and Fn::FindInMap in a template value, as CloudFormation
 * would at deploy time, with the given values for resources and the pseudo parameters. Unknown
 * references fail.
 */
export function resolveCfn(value: unknown, ids: ResolvedIds, options: ResolveOptions = {}): unknown {
  const pseudo = options.pseudo ?? AWS_PSEUDO;
  const lookup = (key: string): string => {
    const found = ids[key] ?? pseudo[key];
    if (found === undefined) throw new Error(`no value given for ${key}`);
    return found;
  };
  const again = (v: unknown) => resolveCfn(v, ids, options);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return lookup(String(object.Ref));
  if ('Fn::GetAtt' in object) return lookup((object['Fn::GetAtt'] as string[]).join('.'));
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(again(p))).join(separator);
  }
  if ('Fn::FindInMap' in object) {
    const [map, first, second] = (object['Fn::FindInMap'] as unknown[]).map((p) => String(again(p)));
    const found = options.mappings?.[map as string]?.[first as string]?.[second as string];
    if (found === undefined) throw new Error(`no mapping ${map}.${first}.${second}`);
    return found;
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, again(v)]));
}

/** The single resource of a type whose logical id starts with the given prefix. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/**
 * Renders a template value readably: Ref X becomes `{X}`, Fn::GetAtt becomes `{X.Attr}`, pseudo
 * parameters `{AWS::Region}`, and Fn::Join is applied. Lets tests compare ARNs as plain strings.
 */
export function symbolic(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(symbolic);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `{${String(object.Ref)}}`;
  if ('Fn::GetAtt' in object) return `{${(object['Fn::GetAtt'] as string[]).join('.')}}`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(symbolic(p))).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, symbolic(v)]));
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every policy statement of the template (IAM policies, role inline policies, resource policies), by owner logical id. */
export function allStatements(template: Template): { owner: string; type: string; statement: Statement }[] {
  const found: { owner: string; type: string; statement: Statement }[] = [];
  const documentsOf = (type: string, properties: Record<string, unknown>): unknown[] => {
    switch (type) {
      case 'AWS::IAM::Policy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::SQS::QueuePolicy':
        return [properties.PolicyDocument];
      case 'AWS::S3::BucketPolicy':
        return [properties.PolicyDocument];
      case 'AWS::KMS::Key':
        return [properties.KeyPolicy];
      case 'AWS::IAM::Role':
        return ((properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument);
      default:
        return [];
    }
  };
  for (const [owner, resource] of Object.entries(
    template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
  )) {
    for (const document of documentsOf(resource.Type, resource.Properties ?? {})) {
      for (const statement of (symbolic(document) as { Statement: Statement[] }).Statement) {
        found.push({ owner, type: resource.Type, statement });
      }
    }
  }
  return found;
}

export function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

// ---- cdk-nag ------------------------------------------------------------------------------------

export interface Finding {
  readonly ruleName: string;
  readonly path: string;
}

/** Every finding of the packs, ignoring acknowledgements. */
export function allFindings(scope: IConstruct): Finding[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) => {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    return pack
      .validateScope(scope)
      .violations.flatMap((v) => v.violatingResources.map((r) => ({ ruleName: v.ruleName, path: r.constructPath ?? '' })));
  });
}

/** Every acknowledgement recorded in the construct tree. */
export function acknowledgements(scope: IConstruct): { id: string; reason: string; path: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([ruleId, reason]) => ({
          id: ruleId.replace(/^Annotation::/, ''),
          reason,
          path: c.node.path,
        })),
      ),
  );
}
