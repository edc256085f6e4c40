import { describe, expect, it } from 'vitest';
import { cidrText } from '../../../core/addresses';
import { ConfigError } from '../../../core/config-error';
import {
  loadConfig,
  toEnvironment,
  UPDATER_BOUNDS,
  UPDATER_DEFAULTS,
  updaterEnvironment,
  type UpdaterConfig,
  type UpdaterResources,
  type UpdaterSettings,
} from '../../../functions/nacl-updater/contract';
import { parseConfig } from '../../../lib/config';
import { boundaryCases, caseName } from '../../support/bounds';

const env = {
  VPC_ID: 'vpc-0123456789abcdef0',
  VPC_CIDRS: '10.0.0.0/16, 2600:1f18:abcd:1200::/56',
  SUBNET_IDS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  ORIGINAL_NACL_ID: 'acl-00000000000000001',
  BLUE_NACL_ID: 'acl-00000000000000002',
  GREEN_NACL_ID: 'acl-00000000000000003',
  ALLOW_LIST_BUCKET: 'flood-guard-allow-list',
  AUDIT_LOG_GROUP_NAME: '/nacl-flood-guard/audit',
  VERDICT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/flood-guard-verdicts.fifo',
};

describe('loadConfig (nacl-updater)', () => {
  it("reads the stack's variables and applies the documented defaults", () => {
    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toMatchObject({
      mode: 'block',
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      naclRuleLimit: 20,
      ipv4Mask: 32,
      ipv6Mask: 128,
      allowListKey: 'allow-list.txt',
      metricsNamespace: 'AutoNACL',
      serviceName: 'nacl-updater',
    });
    expect(config.vpcNetworks.map(cidrText)).toEqual(['10.0.0.0/16', '2600:1f18:abcd:1200::/56']);
  });

  it.each([
    ['NACL_RULE_LIMIT', '41', /NACL_RULE_LIMIT \("41"\): expected at most 40/],
    ['NACL_RULE_NETWORK_MASK', '33', /NACL_RULE_NETWORK_MASK \("33"\)/],
    ['SUBNET_IDS', 'subnet-1,sg-123', /SUBNET_IDS .*"subnet-1" is not a subnet id/],
    ['VPC_CIDRS', '10.0.0.1/16', /VPC_CIDRS .*not an IPv4 or IPv6 CIDR without host bits/],
    ['GREEN_NACL_ID', 'acl-00000000000000002', /BLUE_NACL_ID .*three different ACLs/],
    ['ORIGINAL_NACL_ID', undefined, /ORIGINAL_NACL_ID \(unset\)/],
    ['MODE', 'deny', /MODE \("deny"\): expected block or report/],
    ['NOTIFICATIONS_TOPIC_ARN', 'arn:aws:sqs:eu-west-1:123456789012:q', /NOTIFICATIONS_TOPIC_ARN .*expected an SNS topic ARN/],
    ['DEPLOYMENT_NAME', 'caf\u00e9', /DEPLOYMENT_NAME .*printable ASCII/],
    ['VERDICT_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/verdicts', /VERDICT_QUEUE_URL .*URL of an SQS FIFO queue/],
  ])('names the bad variable %s', (name, value, message) => {
    // Act / Assess
    expect(() => loadConfig({ ...env, [name]: value })).toThrow(message);
  });
});

const RESOURCES: UpdaterResources = {
  vpcCidrs: '10.0.0.0/16,2600:1f18:abcd:1200::/56',
  originalNaclId: 'acl-00000000000000001',
  blueNaclId: 'acl-00000000000000002',
  greenNaclId: 'acl-00000000000000003',
  allowListBucket: 'flood-guard-allow-list',
  auditLogGroupName: '/nacl-flood-guard/audit',
  notificationsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:flood-guard-notifications',
  verdictQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/flood-guard-verdicts.fifo',
};

/** The stack's required context keys; every other key takes its default. */
const CONTEXT = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  listenerPort: '443',
  listenerProtocol: 'TCP',
};

function settings(overrides: Partial<UpdaterSettings> = {}): UpdaterSettings {
  return { ...UPDATER_DEFAULTS, vpcId: CONTEXT.vpcId, subnetIds: CONTEXT.subnetIds.split(','), ...overrides };
}

/** Where the updater's configuration holds each bounded setting. */
const READ: Record<keyof typeof UPDATER_BOUNDS, (config: UpdaterConfig) => number | undefined> = {
  naclRuleLimit: (c) => c.naclRuleLimit,
  naclRuleNetworkMask: (c) => c.ipv4Mask,
  naclRuleNetworkMaskIpv6: (c) => c.ipv6Mask,
  maxNewBlocksPerRun: (c) => c.maxNewBlocksPerRun,
  maxBlockedNetworks: (c) => c.maxBlockedNetworks,
  naclMaxAggregatePrefix: (c) => c.aggregation?.ipv4,
  naclMaxAggregatePrefixIpv6: (c) => c.aggregation?.ipv6,
  // Off (0) leaves the policy out, as the stack then writes no variable.
  repeatOffenderWindowHours: (c) => c.repeatOffenders?.windowHours ?? 0,
  maxBlockHours: (c) => c.repeatOffenders?.maxBlockHours,
};

describe('nacl-updater contract', () => {
  it('writes every variable of its schema, and reads back exactly the settings and resources it was given', () => {
    // Prepare
    const chosen = settings({
      mode: 'report',
      naclRuleLimit: 40,
      naclRuleNetworkMask: 24,
      naclMaxAggregatePrefix: 16,
      allowListKey: 'lists/allow.txt',
      denyListKey: 'lists/deny.txt',
      repeatOffenderWindowHours: 48,
      maxBlockHours: 12,
      stackName: 'NaclFloodGuard-vpc-0123456789abcdef0',
    });

    // Act
    const environment = toEnvironment(chosen, RESOURCES);
    const config = loadConfig(environment);

    // Assess
    expect(Object.keys(environment).sort()).toEqual(Object.keys(updaterEnvironment.shape).sort());
    expect({ ...config, vpcNetworks: config.vpcNetworks.map(cidrText) }).toEqual({
      mode: 'report',
      vpcId: chosen.vpcId,
      vpcNetworks: RESOURCES.vpcCidrs.split(','),
      subnetIds: chosen.subnetIds,
      originalNaclId: RESOURCES.originalNaclId,
      blueNaclId: RESOURCES.blueNaclId,
      greenNaclId: RESOURCES.greenNaclId,
      naclRuleLimit: 40,
      ipv4Mask: 24,
      ipv6Mask: UPDATER_DEFAULTS.naclRuleNetworkMaskIpv6,
      maxNewBlocksPerRun: UPDATER_DEFAULTS.maxNewBlocksPerRun,
      maxBlockedNetworks: UPDATER_DEFAULTS.maxBlockedNetworks,
      // IPv6 left unset by the operator: its host prefix, so IPv6 rules are never merged.
      aggregation: { ipv4: 16, ipv6: 128 },
      allowListBucket: RESOURCES.allowListBucket,
      allowListKey: 'lists/allow.txt',
      denyListKey: 'lists/deny.txt',
      repeatOffenders: { windowHours: 48, maxBlockHours: 12 },
      auditLogGroupName: RESOURCES.auditLogGroupName,
      notificationsTopicArn: RESOURCES.notificationsTopicArn,
      deploymentName: 'NaclFloodGuard-vpc-0123456789abcdef0',
      verdictQueueUrl: RESOURCES.verdictQueueUrl,
      metricsNamespace: UPDATER_DEFAULTS.metricsNamespace,
      serviceName: 'nacl-updater',
    });
  });

  it('writes no aggregation variable unless the operator opted in', () => {
    // Act
    const environment = toEnvironment(settings(), RESOURCES);

    // Assess
    expect(environment).not.toHaveProperty('NACL_MAX_AGGREGATE_PREFIX');
    expect(environment).not.toHaveProperty('NACL_MAX_AGGREGATE_PREFIX_IPV6');
    expect(loadConfig(environment).aggregation).toBeUndefined();
  });

  it('writes no repeat-offender variable while it is off (0), so the deployment keeps the reference rule', () => {
    // Act
    const environment = toEnvironment(settings({ maxBlockHours: 6 }), RESOURCES);

    // Assess
    expect(environment).not.toHaveProperty('REPEAT_OFFENDER_WINDOW_HOURS');
    expect(environment).not.toHaveProperty('MAX_BLOCK_HOURS');
    expect(loadConfig(environment).repeatOffenders).toBeUndefined();
  });

  it('refuses the repeat-offender state object as a list while repeat offenders are on', () => {
    expect(() => loadConfig({ ...env, REPEAT_OFFENDER_WINDOW_HOURS: '24', DENY_LIST_KEY: 'repeat-offenders.json' })).toThrow(
      /REPEAT_OFFENDER_WINDOW_HOURS.*repeat-offenders.json holds the repeat-offender state/,
    );
    expect(loadConfig({ ...env, DENY_LIST_KEY: 'repeat-offenders.json' }).denyListKey).toBe('repeat-offenders.json');
  });

  it('has the defaults the stack deploys when a context key is left out', () => {
    // Act
    const deployed = parseConfig((key) => CONTEXT[key as keyof typeof CONTEXT]);
    const unset = loadConfig(env);

    // Assess
    const { metricsNamespace, ...stackDefaults } = UPDATER_DEFAULTS;
    for (const [key, value] of Object.entries(stackDefaults)) expect(deployed[key as keyof typeof deployed], key).toBe(value);
    // The stack counts each deployment in its own namespace under the contract's.
    expect(deployed.metricsNamespace).toBe(`${metricsNamespace}/${deployed.stackName}`);
    expect(unset).toMatchObject({
      mode: 'block',
      naclRuleLimit: UPDATER_DEFAULTS.naclRuleLimit,
      ipv4Mask: UPDATER_DEFAULTS.naclRuleNetworkMask,
      ipv6Mask: UPDATER_DEFAULTS.naclRuleNetworkMaskIpv6,
      maxNewBlocksPerRun: UPDATER_DEFAULTS.maxNewBlocksPerRun,
      maxBlockedNetworks: UPDATER_DEFAULTS.maxBlockedNetworks,
      allowListKey: UPDATER_DEFAULTS.allowListKey,
      denyListKey: UPDATER_DEFAULTS.denyListKey,
      metricsNamespace: UPDATER_DEFAULTS.metricsNamespace,
    });
  });

  it('refuses one object as both the allow list and the deny list', () => {
    // Act, Assess
    expect(() => loadConfig({ ...env, ALLOW_LIST_KEY: 'lists.txt', DENY_LIST_KEY: 'lists.txt' })).toThrow(
      /DENY_LIST_KEY.*ALLOW_LIST_KEY and DENY_LIST_KEY must name two different objects/,
    );
    expect(() => parseConfig((key) => ({ ...CONTEXT, allowListKey: 'lists.txt', denyListKey: 'lists.txt' })[key as 'vpcId'])).toThrow(
      'allowListKey and denyListKey are both "lists.txt"',
    );
  });

  describe.each(boundaryCases(UPDATER_BOUNDS))('bounds, the same for the stack and the function:', (boundary) => {
    const { key, value, accepted } = boundary;
    // The cap is written only while repeat offenders are on.
    const on = key === 'maxBlockHours' ? { repeatOffenderWindowHours: 24 } : {};
    const environment = toEnvironment(settings({ ...on, [key]: value }), RESOURCES);
    const unchanged = toEnvironment(settings(key.startsWith('naclMaxAggregate') ? { [key]: 16 } : on), RESOURCES);
    const variable = Object.keys(environment).find(
      (name) => environment[name as keyof typeof environment] !== unchanged[name as keyof typeof unchanged],
    );

    it(`${caseName(boundary)} by the function (its environment variable)`, () => {
      if (accepted) {
        expect(READ[key](loadConfig(environment))).toBe(value);
      } else {
        expect(() => loadConfig(environment)).toThrow(ConfigError);
        expect(() => loadConfig(environment)).toThrow(`${variable} (${JSON.stringify(String(value))})`);
      }
    });

    it(`${caseName(boundary)} by the stack (its context key)`, () => {
      const context: Record<string, unknown> = { ...CONTEXT, [key]: String(value) };
      if (accepted) {
        expect(parseConfig((name) => context[name])[key]).toBe(value);
      } else {
        expect(() => parseConfig((name) => context[name])).toThrow(ConfigError);
        expect(() => parseConfig((name) => context[name])).toThrow(`${key} "${value}" must be`);
      }
    });
  });

  it.each([
    ['/allow-list.txt', false],
    ['allow\u0007.txt', false],
    ['a'.repeat(1024), true],
    ['a'.repeat(1025), false],
    ['é'.repeat(512), true],
    ['é'.repeat(513), false],
  ])('applies one rule for the allow-list key on both sides: %j accepted %s', (key, accepted) => {
    // Prepare
    const environment = { ...env, ALLOW_LIST_KEY: key };
    const context: Record<string, unknown> = { ...CONTEXT, allowListKey: key };

    // Act / Assess
    if (accepted) {
      expect(loadConfig(environment).allowListKey).toBe(key);
      expect(parseConfig((name) => context[name]).allowListKey).toBe(key);
    } else {
      expect(() => loadConfig(environment)).toThrow(/ALLOW_LIST_KEY .*expected an S3 object key of at most 1024 bytes/);
      expect(() => parseConfig((name) => context[name])).toThrow('is not a usable S3 object key');
    }
  });
});
