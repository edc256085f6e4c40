import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config-error';
import { CONFIG_KEYS, DEFAULTS, EXAMPLE_COMMAND, LOG_RETENTION_DAYS, parseConfig, type ContextReader } from '../../lib/config';

const REQUIRED = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
  listenerPort: '443',
  listenerProtocol: 'TCP',
};

function reader(values: Record<string, unknown>): ContextReader {
  return (key) => values[key];
}

function problemsOf(values: Record<string, unknown>, knownKeys: string[] = []): readonly string[] {
  try {
    parseConfig(reader(values), knownKeys);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies every documented default when only the required keys are given', () => {
    // Act
    const config = parseConfig(reader(REQUIRED));

    // Assess
    expect(config).toEqual({
      mode: 'block',
      notify: {},
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      listeners: [{ port: 443, protocol: 6 }],
      binStore: 'timestream',
      minZScore: 3,
      minPacketsPerBin: 12_000,
      updaterReservedConcurrency: 0,
      windowMinutes: 60,
      requeryMinutes: 10,
      naclRuleLimit: 20,
      naclRuleNetworkMask: 32,
      naclRuleNetworkMaskIpv6: 128,
      maxNewBlocksPerRun: 20,
      maxBlockedNetworks: 40,
      allowListKey: 'allow-list.txt',
      denyListKey: 'deny-list.txt',
      repeatOffenderWindowHours: 0,
      maxBlockHours: 24,
      logRetentionDays: 1,
      stackName: 'NaclFloodGuard-vpc-0123456789abcdef0',
      metricsNamespace: 'AutoNACL/NaclFloodGuard-vpc-0123456789abcdef0',
      operatorEmail: undefined,
      maxAnomalies: 100,
      naclMaxAggregatePrefix: undefined,
      naclMaxAggregatePrefixIpv6: undefined,
      alarms: {
        unblockedMinutes: 5,
        detectionStalledMinutes: 3,
        incompleteMinutes: 5,
        deliveryLagMinutes: 3,
        updaterErrors: 1,
        maxDeliveryLagSeconds: 600,
        aclStateUnknownMinutes: 5,
      },
    });
  });

  it('reserves no updater concurrency unless updaterReservedConcurrency is 1, and names a bad value and the fix', () => {
    expect(parseConfig(reader({ ...REQUIRED, updaterReservedConcurrency: '1' })).updaterReservedConcurrency).toBe(1);
    expect(parseConfig(reader({ ...REQUIRED, updaterReservedConcurrency: '0' })).updaterReservedConcurrency).toBe(0);
    for (const bad of ['2', '-1', 'one'])
      expect(() => parseConfig(reader({ ...REQUIRED, updaterReservedConcurrency: bad }))).toThrow(
        `updaterReservedConcurrency "${bad}" must be 0 (no reserved concurrency, the default) or 1`,
      );
    expect(() => parseConfig(reader({ ...REQUIRED, updaterReservedConcurrency: '2' }))).toThrow(
      'Fix: -c updaterReservedConcurrency=1, or leave it out.',
    );
  });

  it('names the stack and its metrics namespace from stackName, for a second deployment in the same VPC', () => {
    // Act
    const config = parseConfig(reader({ ...REQUIRED, stackName: 'NaclFloodGuard-edge-acl' }));

    // Assess
    expect(config.stackName).toBe('NaclFloodGuard-edge-acl');
    expect(config.metricsNamespace).toBe('AutoNACL/NaclFloodGuard-edge-acl');
  });

  it('keeps an explicit metricsNamespace whatever the stack name (an existing deployment keeps its metrics)', () => {
    const config = parseConfig(reader({ ...REQUIRED, stackName: 'NaclFloodGuard', metricsNamespace: 'AutoNACL' }));
    expect([config.stackName, config.metricsNamespace]).toEqual(['NaclFloodGuard', 'AutoNACL']);
  });

  it('reads every alarm threshold from its context key', () => {
    // Act
    const config = parseConfig(
      reader({
        ...REQUIRED,
        alarmUnblockedMinutes: '10',
        alarmDetectionStalledMinutes: 4,
        alarmIncompleteMinutes: '15',
        alarmDeliveryLagMinutes: '2',
        alarmUpdaterErrors: '3',
        alarmMaxDeliveryLagSeconds: '900',
        alarmAclStateUnknownMinutes: '8',
      }),
    );

    // Assess
    expect(config.alarms).toEqual({
      unblockedMinutes: 10,
      detectionStalledMinutes: 4,
      incompleteMinutes: 15,
      deliveryLagMinutes: 2,
      updaterErrors: 3,
      maxDeliveryLagSeconds: 900,
      aclStateUnknownMinutes: 8,
    });
  });

  it('leaves adaptive aggregation off unless a limit is set, and reads limits up to the deny-rule mask', () => {
    // Act
    const off = parseConfig(reader({ ...REQUIRED, naclMaxAggregatePrefix: ' ' }));
    const widest = parseConfig(reader({ ...REQUIRED, naclMaxAggregatePrefix: '8', naclMaxAggregatePrefixIpv6: 16 }));
    const hostOnly = parseConfig(reader({ ...REQUIRED, naclMaxAggregatePrefix: 32, naclMaxAggregatePrefixIpv6: '128' }));
    const atMask = parseConfig(
      reader({
        ...REQUIRED,
        naclRuleNetworkMask: '24',
        naclMaxAggregatePrefix: '24',
        naclRuleNetworkMaskIpv6: '64',
        naclMaxAggregatePrefixIpv6: '48',
      }),
    );
    const ipv6Only = parseConfig(reader({ ...REQUIRED, naclMaxAggregatePrefixIpv6: '56' }));

    // Assess
    expect(off.naclMaxAggregatePrefix).toBeUndefined();
    expect(off.naclMaxAggregatePrefixIpv6).toBeUndefined();
    expect(widest).toMatchObject({ naclMaxAggregatePrefix: 8, naclMaxAggregatePrefixIpv6: 16 });
    expect(hostOnly).toMatchObject({ naclMaxAggregatePrefix: 32, naclMaxAggregatePrefixIpv6: 128 });
    expect(atMask).toMatchObject({ naclMaxAggregatePrefix: 24, naclMaxAggregatePrefixIpv6: 48 });
    expect(ipv6Only).toMatchObject({ naclMaxAggregatePrefix: undefined, naclMaxAggregatePrefixIpv6: 56 });
  });

  it('lists the optional aggregation keys among the known keys', () => {
    expect(CONFIG_KEYS).toEqual(expect.arrayContaining(['operatorEmail', 'naclMaxAggregatePrefix', 'naclMaxAggregatePrefixIpv6']));
  });

  it('reads numbers given as text (command line) or as numbers (cdk.json), and protocol in any case', () => {
    // Prepare
    const values = {
      ...REQUIRED,
      listenerPort: 53,
      listenerProtocol: 'udp',
      binStore: 'DynamoDB',
      minZScore: '2.5',
      minPacketsPerBin: 0,
      windowMinutes: '120',
      requeryMinutes: 15,
      naclRuleLimit: '40',
      naclRuleNetworkMask: '24',
      naclRuleNetworkMaskIpv6: 64,
      allowListKey: 'lists/allow.txt',
      denyListKey: 'lists/deny.txt',
      logRetentionDays: '7',
      metricsNamespace: 'Edge/Floods',
      operatorEmail: 'ops@example.com',
      maxAnomalies: '40',
      subnetIds: ['subnet-0123456789abcdef0'],
    };

    // Act
    const config = parseConfig(reader(values));

    // Assess
    expect(config).toMatchObject({
      listeners: [{ port: 53, protocol: 17 }],
      minZScore: 2.5,
      minPacketsPerBin: 0,
      windowMinutes: 120,
      requeryMinutes: 15,
      naclRuleLimit: 40,
      naclRuleNetworkMask: 24,
      naclRuleNetworkMaskIpv6: 64,
      allowListKey: 'lists/allow.txt',
      denyListKey: 'lists/deny.txt',
      logRetentionDays: 7,
      metricsNamespace: 'Edge/Floods',
      operatorEmail: 'ops@example.com',
      maxAnomalies: 40,
      subnetIds: ['subnet-0123456789abcdef0'],
    });
  });

  it('lists every missing required key in one message with an example command', () => {
    // Act
    const problems = problemsOf({ subnetIds: REQUIRED.subnetIds });

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('Missing required context keys: vpcId, listenerPort, listenerProtocol.');
    expect(problems[0]).toContain(EXAMPLE_COMMAND);
  });

  it('treats an empty value as missing', () => {
    expect(problemsOf({ ...REQUIRED, vpcId: ' ' })[0]).toContain('Missing required context key: vpcId.');
  });

  it('points at a key spelt in the wrong case', () => {
    // Act
    const problems = problemsOf({ ...REQUIRED, listenerPort: undefined }, ['listenerport']);

    // Assess
    expect(problems[0]).toContain('found "listenerport": context keys are case-sensitive, use "listenerPort"');
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['vpcId', { vpcId: 'vpc-12' }, 'vpcId "vpc-12" is not a VPC id like vpc-0123456789abcdef0'],
    ['vpcId upper case', { vpcId: 'VPC-0123456789ABCDEF0' }, 'vpcId "VPC-0123456789ABCDEF0" is not a VPC id'],
    ['subnetIds', { subnetIds: 'subnet-0123456789abcdef0,sg-0123456789abcdef0' }, 'subnetIds has "sg-0123456789abcdef0", not a subnet id'],
    ['subnetIds with a blank entry', { subnetIds: 'subnet-0123456789abcdef0,' }, 'subnetIds has "", not a subnet id'],
    [
      'duplicate subnetIds',
      { subnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef0' },
      'subnetIds lists subnet-0123456789abcdef0 more than once',
    ],
    ['binStore', { binStore: 's3' }, 'binStore "s3" is not a packet-bin store. Fix: -c binStore=dynamodb (any account)'],
    ['listenerPort 0', { listenerPort: '0' }, 'listenerPort "0" must be a whole number from 1 to 65535'],
    ['listenerPort 65536', { listenerPort: 65536 }, 'listenerPort 65536 must be a whole number from 1 to 65535'],
    ['listenerPort text', { listenerPort: 'https' }, 'listenerPort "https" is not a number'],
    ['listenerPort fraction', { listenerPort: '443.5' }, 'listenerPort "443.5" must be a whole number'],
    ['listenerPort hex', { listenerPort: '0x1bb' }, 'listenerPort "0x1bb" is not a number'],
    [
      'listenerProtocol',
      { listenerProtocol: 'ICMP' },
      'listenerProtocol "ICMP" is not supported. Fix: -c listenerProtocol=TCP or -c listenerProtocol=UDP',
    ],
    ['minZScore 0', { minZScore: '0' }, 'minZScore "0" must be greater than 0'],
    ['minZScore negative', { minZScore: '-1' }, 'minZScore "-1" must be greater than 0'],
    ['minPacketsPerBin negative', { minPacketsPerBin: '-5' }, 'minPacketsPerBin "-5" must be a whole number from 0'],
    ['windowMinutes too short', { windowMinutes: '4' }, 'windowMinutes "4" must be a whole number from 5 to 1440'],
    ['requeryMinutes too short', { requeryMinutes: '4' }, 'requeryMinutes "4" must be a whole number from 5 to 60'],
    ['naclRuleLimit 1', { naclRuleLimit: '1' }, 'naclRuleLimit "1" must be a whole number from 2 to 40'],
    ['naclRuleLimit 41', { naclRuleLimit: 41 }, 'naclRuleLimit 41 must be a whole number from 2 to 40'],
    ['naclRuleNetworkMask 33', { naclRuleNetworkMask: '33' }, 'naclRuleNetworkMask "33" must be a whole number from 0 to 32'],
    [
      'naclRuleNetworkMaskIpv6 129',
      { naclRuleNetworkMaskIpv6: '129' },
      'naclRuleNetworkMaskIpv6 "129" must be a whole number from 0 to 128',
    ],
    ['allowListKey leading slash', { allowListKey: '/allow.txt' }, 'allowListKey "/allow.txt" is not a usable S3 object key'],
    ['allowListKey control character', { allowListKey: 'allow\u0007.txt' }, 'is not a usable S3 object key'],
    ['allowListKey too long', { allowListKey: 'a'.repeat(1025) }, 'is not a usable S3 object key'],
    ['denyListKey leading slash', { denyListKey: '/deny.txt' }, 'denyListKey "/deny.txt" is not a usable S3 object key'],
    ['logRetentionDays', { logRetentionDays: '2' }, 'logRetentionDays "2" is not a retention CloudWatch Logs accepts'],
    [
      'metricsNamespace reserved',
      { metricsNamespace: 'AWS/Floods' },
      'metricsNamespace "AWS/Floods" is not a valid custom CloudWatch namespace',
    ],
    [
      'metricsNamespace characters',
      { metricsNamespace: 'Floods!' },
      'metricsNamespace "Floods!" is not a valid custom CloudWatch namespace',
    ],
    ['stackName starting with a digit', { stackName: '1guard' }, 'stackName "1guard" is not a CloudFormation stack name'],
    ['stackName with an underscore', { stackName: 'flood_guard' }, 'stackName "flood_guard" is not a CloudFormation stack name'],
    ['stackName too long', { stackName: `a${'b'.repeat(128)}` }, 'is not a CloudFormation stack name'],
    ['operatorEmail', { operatorEmail: 'ops-at-example' }, 'operatorEmail "ops-at-example" is not an e-mail address'],
    ['maxAnomalies', { maxAnomalies: '1001' }, 'maxAnomalies "1001" must be a whole number from 1 to 1000'],
    [
      'repeatOffenderWindowHours negative',
      { repeatOffenderWindowHours: '-1' },
      'repeatOffenderWindowHours "-1" must be a whole number from 0 to 720. Fix: -c repeatOffenderWindowHours=<0-720>.',
    ],
    ['maxBlockHours 0', { maxBlockHours: '0' }, 'maxBlockHours "0" must be a whole number from 1 to 168'],
    [
      'maxBlockHours below windowMinutes',
      { repeatOffenderWindowHours: '24', windowMinutes: '180', requeryMinutes: '10', maxBlockHours: '2' },
      'maxBlockHours (2) is shorter than windowMinutes (180 minutes): no block can be shorter than one window. Fix: -c maxBlockHours=3 or more, or lower windowMinutes.',
    ],
    [
      'repeat-offender state as the deny list',
      { repeatOffenderWindowHours: '24', denyListKey: 'repeat-offenders.json' },
      'denyListKey is "repeat-offenders.json", the object that holds the repeat-offender state. Fix: -c denyListKey=<another key>, or leave repeatOffenderWindowHours at 0.',
    ],
    [
      'naclMaxAggregatePrefix 7',
      { naclMaxAggregatePrefix: '7' },
      'naclMaxAggregatePrefix "7" must be a whole number from 8 to 32. Fix: -c naclMaxAggregatePrefix=<8-32>, or leave it out (aggregation off).',
    ],
    ['naclMaxAggregatePrefix 33', { naclMaxAggregatePrefix: 33 }, 'naclMaxAggregatePrefix 33 must be a whole number from 8 to 32'],
    [
      'naclMaxAggregatePrefix fraction',
      { naclMaxAggregatePrefix: '16.5' },
      'naclMaxAggregatePrefix "16.5" must be a whole number from 8 to 32',
    ],
    [
      'naclMaxAggregatePrefix text',
      { naclMaxAggregatePrefix: '/16' },
      'naclMaxAggregatePrefix "/16" is not a number. Fix: -c naclMaxAggregatePrefix=<number>, or leave it out',
    ],
    [
      'naclMaxAggregatePrefixIpv6 15',
      { naclMaxAggregatePrefixIpv6: '15' },
      'naclMaxAggregatePrefixIpv6 "15" must be a whole number from 16 to 128. Fix: -c naclMaxAggregatePrefixIpv6=<16-128>, or leave it out',
    ],
    [
      'naclMaxAggregatePrefixIpv6 129',
      { naclMaxAggregatePrefixIpv6: 129 },
      'naclMaxAggregatePrefixIpv6 129 must be a whole number from 16 to 128',
    ],
    ['naclMaxAggregatePrefixIpv6 text', { naclMaxAggregatePrefixIpv6: 'wide' }, 'naclMaxAggregatePrefixIpv6 "wide" is not a number'],
    [
      'naclMaxAggregatePrefix narrower than the mask',
      { naclRuleNetworkMask: '24', naclMaxAggregatePrefix: '28' },
      'naclMaxAggregatePrefix (28) must not be greater than naclRuleNetworkMask (24): deny rules already block whole /24 networks, ' +
        'so merging into prefixes no wider than /28 is narrower than the rules themselves. Fix: -c naclMaxAggregatePrefix=<8-24>, or leave it out (aggregation off).',
    ],
    [
      'naclMaxAggregatePrefixIpv6 narrower than the mask',
      { naclRuleNetworkMaskIpv6: '64', naclMaxAggregatePrefixIpv6: '96' },
      'naclMaxAggregatePrefixIpv6 (96) must not be greater than naclRuleNetworkMaskIpv6 (64)',
    ],
    [
      'naclMaxAggregatePrefix with a mask wider than any limit',
      { naclRuleNetworkMask: '4', naclMaxAggregatePrefix: '8' },
      'Fix: leave naclMaxAggregatePrefix out, or raise naclRuleNetworkMask.',
    ],
    ['alarmUnblockedMinutes 0', { alarmUnblockedMinutes: '0' }, 'alarmUnblockedMinutes "0" must be a whole number from 1 to 1440'],
    [
      'alarmDetectionStalledMinutes too long',
      { alarmDetectionStalledMinutes: '1441' },
      'alarmDetectionStalledMinutes "1441" must be a whole number from 1 to 1440',
    ],
    [
      'alarmIncompleteMinutes fraction',
      { alarmIncompleteMinutes: '2.5' },
      'alarmIncompleteMinutes "2.5" must be a whole number from 1 to 1440',
    ],
    ['alarmDeliveryLagMinutes text', { alarmDeliveryLagMinutes: 'three' }, 'alarmDeliveryLagMinutes "three" is not a number'],
    ['alarmUpdaterErrors 0', { alarmUpdaterErrors: '0' }, 'alarmUpdaterErrors "0" must be a whole number from 1 to 1000000'],
    [
      'alarmMaxDeliveryLagSeconds below a minute',
      { alarmMaxDeliveryLagSeconds: '30' },
      'alarmMaxDeliveryLagSeconds "30" must be a whole number from 60 to 86400',
    ],
    [
      'requeryMinutes beyond the window',
      { windowMinutes: '10', requeryMinutes: '11' },
      'requeryMinutes (11) must not exceed windowMinutes (10): every re-queried minute is part of the baseline window',
    ],
  ];

  it.each(invalid)('rejects a bad %s naming the key, the value and the fix', (_name, override, expected) => {
    // Act
    const problems = problemsOf({ ...REQUIRED, ...override });

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
    expect(problems[0]).toMatch(/Fix:|Lower requeryMinutes/);
  });

  it('reports every bad key at once', () => {
    // Act
    const problems = problemsOf({ ...REQUIRED, listenerPort: '0', naclRuleLimit: '1', minZScore: 'high' });

    // Assess
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['listenerPort', 'minZScore', 'naclRuleLimit']);
  });

  it('accepts every port from 1 to 65535 and every accepted retention', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), fc.constantFrom(...LOG_RETENTION_DAYS), (port, days) => {
        const config = parseConfig(reader({ ...REQUIRED, listenerPort: String(port), logRetentionDays: String(days) }));
        return config.listeners[0]?.port === port && config.logRetentionDays === days;
      }),
    );
  });

  it('keeps the documented defaults', () => {
    expect(DEFAULTS).toMatchObject({
      minZScore: 3,
      minPacketsPerBin: 12_000,
      windowMinutes: 60,
      naclRuleLimit: 20,
      allowListKey: 'allow-list.txt',
    });
  });
});

describe('listeners', () => {
  const WITHOUT_LISTENER = { vpcId: REQUIRED.vpcId, subnetIds: REQUIRED.subnetIds };

  it('takes several listeners as one key, in the given order, any case, from text or a cdk.json list', () => {
    expect(parseConfig(reader({ ...WITHOUT_LISTENER, listeners: '443/tcp, 80/TCP,53/udp' })).listeners).toEqual([
      { port: 443, protocol: 6 },
      { port: 80, protocol: 6 },
      { port: 53, protocol: 17 },
    ]);
    expect(parseConfig(reader({ ...WITHOUT_LISTENER, listeners: ['53/udp'] })).listeners).toEqual([{ port: 53, protocol: 17 }]);
  });

  it('listenerPort and listenerProtocol are the one-listener form', () => {
    expect(parseConfig(reader(REQUIRED)).listeners).toEqual([{ port: 443, protocol: 6 }]);
  });

  it.each([
    ['both forms', { ...REQUIRED, listeners: '443/tcp' }, 'listeners and listenerPort and listenerProtocol are both set'],
    [
      'both forms, port only',
      { ...WITHOUT_LISTENER, listenerPort: '443', listeners: '443/tcp' },
      'listeners and listenerPort are both set',
    ],
    ['a bad port', { ...WITHOUT_LISTENER, listeners: '443/tcp,0/udp' }, 'listeners "443/tcp,0/udp" has "0/udp", not a listener'],
    ['a bad protocol', { ...WITHOUT_LISTENER, listeners: '443/icmp' }, 'listeners "443/icmp" has "443/icmp", not a listener'],
    ['a duplicate', { ...WITHOUT_LISTENER, listeners: '443/tcp,443/TCP' }, 'listeners "443/tcp,443/TCP" lists 443/tcp more than once'],
    [
      'too many',
      { ...WITHOUT_LISTENER, listeners: Array.from({ length: 11 }, (_, i) => `${i + 1}/tcp`).join(',') },
      'lists 11 listeners, more than 10',
    ],
  ])('rejects %s, naming the value and the fix', (_case, values, message) => {
    const problems = problemsOf(values);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
    expect(problems[0]).toContain('Fix:');
  });

  it('without listeners, a missing listenerPort or listenerProtocol is missing, with the several-listener form as a hint', () => {
    const problems = problemsOf(WITHOUT_LISTENER);
    expect(problems[0]).toContain('Missing required context keys: listenerPort, listenerProtocol.');
    expect(problems[0]).toContain('-c listeners=443/tcp,53/udp instead of listenerPort and listenerProtocol');
  });
});
