import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config-error';
import { parseNetwork } from '../../../core/addresses';
import {
  loadConfig,
  SUMMARIZER_BOUNDS,
  SUMMARIZER_DEFAULTS,
  summarizerEnvironment,
  toEnvironment,
  type SummarizerResources,
  type SummarizerSettings,
} from '../../../functions/summarizer/contract';
import { parseConfig } from '../../../lib/config';
import { boundaryCases, caseName } from '../../support/bounds';
import { SUMMARIZER_ENV as VALID_ENV } from '../../support/builders';

const RESOURCES: SummarizerResources = {
  vpcCidrs: '10.0.0.0/16,2001:db8:1234:1a00::/56',
  flowLogGroupName: '/flood-guard/flow-logs',
  timestreamDatabase: 'floodguard',
  timestreamTable: 'packet-bins',
  anomaliesTopicArn: 'arn:aws:sns:eu-west-1:123456789012:flood-guard-anomalies',
};

const DYNAMODB_RESOURCES: SummarizerResources = {
  vpcCidrs: RESOURCES.vpcCidrs,
  flowLogGroupName: RESOURCES.flowLogGroupName,
  dynamoDbTable: 'flood-guard-packet-bins',
  anomaliesTopicArn: RESOURCES.anomaliesTopicArn,
};

/** The stack's required context keys; every other key takes its default. */
const CONTEXT = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0123456789abcdef0',
  listenerPort: '443',
  listenerProtocol: 'TCP',
};

function settings(overrides: Partial<SummarizerSettings> = {}): SummarizerSettings {
  return { ...SUMMARIZER_DEFAULTS, vpcId: CONTEXT.vpcId, listeners: [{ port: 443, protocol: 6 }], ...overrides };
}

/** Other keys a bound can only be reached with: the shortest window needs the shortest re-query reach. */
const COMPANIONS: Partial<Record<keyof SummarizerSettings, Partial<SummarizerSettings>>> = {
  windowMinutes: { requeryMinutes: SUMMARIZER_BOUNDS.requeryMinutes.min },
};

describe('summarizer configuration', () => {
  it('reads the environment with the documented defaults', () => {
    expect(loadConfig(VALID_ENV)).toEqual({
      vpcId: 'vpc-0123456789abcdef0',
      vpcNetworks: [
        { family: 'ipv4', address: '10.0.0.0', prefixLength: 16 },
        { family: 'ipv6', address: '2001:db8:1234:1a00::', prefixLength: 56 },
      ],
      flowLogGroupName: '/flood-guard/flow-logs',
      listeners: [{ port: 443, protocol: 6 }],
      minZScore: 3,
      minPacketsPerBin: 12_000,
      windowMinutes: 60,
      requeryMinutes: 10,
      maxAnomalies: 100,
      binStore: 'timestream',
      timestreamDatabase: 'floodguard',
      timestreamTable: 'packet_bins',
      anomaliesTopicArn: 'arn:aws:sns:eu-west-1:123456789012:flood-guard-anomalies.fifo',
      metricsNamespace: 'AutoNACL',
      serviceName: 'summarizer',
    });
  });

  it('takes explicit thresholds', () => {
    const config = loadConfig({
      ...VALID_ENV,
      LISTENERS: '443/udp, 53/UDP',
      MIN_ZSCORE: '2.5',
      MIN_PACKETS_PER_BIN: '500',
      WINDOW_MINUTES: '30',
      REQUERY_MINUTES: '15',
      MAX_ANOMALIES: '40',
      POWERTOOLS_METRICS_NAMESPACE: 'Custom',
    });
    expect(config).toMatchObject({
      listeners: [
        { port: 443, protocol: 17 },
        { port: 53, protocol: 17 },
      ],
      minZScore: 2.5,
      minPacketsPerBin: 500,
      windowMinutes: 30,
      requeryMinutes: 15,
      maxAnomalies: 40,
      metricsNamespace: 'Custom',
    });
  });

  it.each([
    [{ VPC_ID: undefined }, /VPC_ID \(unset\)/],
    [{ VPC_ID: 'vpc-XYZ' }, /VPC_ID \("vpc-XYZ"\): expected a VPC id/],
    [{ VPC_CIDRS: '10.0.0.0/16,10.0.0.1/16' }, /VPC_CIDRS .*"10\.0\.0\.1\/16" is not an IPv4 or IPv6 CIDR/],
    [{ VPC_CIDRS: '' }, /VPC_CIDRS/],
    [{ LISTENERS: '0/tcp' }, /LISTENERS \("0\/tcp"\): has "0\/tcp", not a listener/],
    [{ LISTENERS: 'https' }, /LISTENERS \("https"\): has "https", not a listener/],
    [{ LISTENERS: '443/icmp' }, /LISTENERS \("443\/icmp"\): has "443\/icmp", not a listener/],
    [{ LISTENERS: '443/tcp,443/TCP' }, /LISTENERS \("443\/tcp,443\/TCP"\): lists 443\/tcp more than once/],
    [{ LISTENERS: Array.from({ length: 11 }, (_, i) => `${i + 1}/udp`).join(',') }, /LISTENERS .*lists 11 listeners, more than 10/],
    [{ MIN_ZSCORE: 'three' }, /MIN_ZSCORE/],
    [{ MIN_ZSCORE: '-1' }, /MIN_ZSCORE/],
    [{ MIN_PACKETS_PER_BIN: '1e4' }, /MIN_PACKETS_PER_BIN/],
    [{ REQUERY_MINUTES: '61' }, /REQUERY_MINUTES/],
    [{ WINDOW_MINUTES: '5', REQUERY_MINUTES: '10' }, /REQUERY_MINUTES .*must not exceed WINDOW_MINUTES/],
    [{ MAX_ANOMALIES: '5000' }, /MAX_ANOMALIES/],
    [{ TIMESTREAM_TABLE: 'bins"; DROP' }, /TIMESTREAM_TABLE/],
    [{ TIMESTREAM_TABLE: undefined }, /TIMESTREAM_TABLE \(unset\): required with BIN_STORE timestream/],
    [{ BIN_STORE: 's3' }, /BIN_STORE \("s3"\): expected timestream or dynamodb/],
    [{ DYNAMODB_TABLE: 'bins' }, /DYNAMODB_TABLE \("bins"\): not used with BIN_STORE timestream/],
    [{ BIN_STORE: 'dynamodb' }, /DYNAMODB_TABLE \(unset\): required with BIN_STORE dynamodb/],
    [{ ANOMALIES_TOPIC_ARN: 'topic' }, /ANOMALIES_TOPIC_ARN \("topic"\): expected an SNS topic ARN/],
    [{ FLOW_LOG_GROUP_NAME: 'bad name' }, /FLOW_LOG_GROUP_NAME/],
  ])('fails naming the bad variable: %o', (override, message) => {
    const env = { ...VALID_ENV, ...override };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once', () => {
    // Act
    let error: unknown;
    try {
      loadConfig({ ...VALID_ENV, LISTENERS: 'x', MAX_ANOMALIES: '0' });
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'LISTENERS ("x"): has "x", not a listener <port>/<protocol> with a port 1-65535 and tcp or udp; expected e.g. 443/tcp,53/udp',
      'MAX_ANOMALIES ("0"): expected at least 1',
    ]);
    expect((error as ConfigError).message).toMatch(/^Invalid summarizer environment:\n {2}- LISTENERS/);
  });
});

describe('summarizer contract', () => {
  it.each([
    [
      'timestream',
      RESOURCES,
      ['DYNAMODB_TABLE'],
      { timestreamDatabase: RESOURCES.timestreamDatabase, timestreamTable: RESOURCES.timestreamTable },
    ],
    ['dynamodb', DYNAMODB_RESOURCES, ['TIMESTREAM_DATABASE', 'TIMESTREAM_TABLE'], { dynamoDbTable: DYNAMODB_RESOURCES.dynamoDbTable }],
  ] as const)(
    "writes every variable of its schema but the other store's, and reads back exactly the settings and resources it was given (%s)",
    (binStore, resources, otherStore, storeConfig) => {
      // Prepare
      const chosen = settings({
        listeners: [{ port: 53, protocol: 17 }],
        minZScore: 2.5,
        windowMinutes: 30,
        requeryMinutes: 7,
        binStore,
      });

      // Act
      const environment = toEnvironment(chosen, resources);
      const config = loadConfig(environment);

      // Assess
      const expectedKeys = Object.keys(summarizerEnvironment.shape).filter((key) => !(otherStore as readonly string[]).includes(key));
      expect(Object.keys(environment).sort()).toEqual(expectedKeys.sort());
      expect(config).toEqual({
        vpcId: chosen.vpcId,
        vpcNetworks: RESOURCES.vpcCidrs.split(',').map((cidr) => parseNetwork(cidr)),
        flowLogGroupName: RESOURCES.flowLogGroupName,
        listeners: [{ port: 53, protocol: 17 }],
        minZScore: 2.5,
        minPacketsPerBin: SUMMARIZER_DEFAULTS.minPacketsPerBin,
        windowMinutes: 30,
        requeryMinutes: 7,
        maxAnomalies: SUMMARIZER_DEFAULTS.maxAnomalies,
        binStore,
        ...storeConfig,
        anomaliesTopicArn: RESOURCES.anomaliesTopicArn,
        metricsNamespace: SUMMARIZER_DEFAULTS.metricsNamespace,
        serviceName: 'summarizer',
      });
    },
  );

  it('has the defaults the stack deploys when a context key is left out', () => {
    // Act
    const deployed = parseConfig((key) => CONTEXT[key as keyof typeof CONTEXT]);
    const unset = loadConfig(VALID_ENV);

    // Assess
    for (const [key, value] of Object.entries(SUMMARIZER_DEFAULTS)) {
      // The stack counts each deployment in its own namespace under the contract's.
      const stackValue = key === 'metricsNamespace' ? `${value}/${deployed.stackName}` : value;
      expect(deployed[key as keyof typeof deployed], key).toBe(stackValue);
      expect(unset[key as keyof typeof unset], key).toBe(value);
    }
  });

  describe.each(boundaryCases(SUMMARIZER_BOUNDS))('bounds, the same for the stack and the function:', (boundary) => {
    const { key, value, accepted } = boundary;
    const companions = COMPANIONS[key] ?? {};
    const environment = toEnvironment(settings({ ...companions, [key]: value }), RESOURCES);
    const variable = Object.keys(environment).find(
      (name) =>
        environment[name as keyof typeof environment] !== toEnvironment(settings(companions), RESOURCES)[name as keyof typeof environment],
    );

    it(`${caseName(boundary)} by the function (its environment variable)`, () => {
      if (accepted) {
        expect(loadConfig(environment)[key]).toBe(value);
      } else {
        expect(() => loadConfig(environment)).toThrow(ConfigError);
        expect(() => loadConfig(environment)).toThrow(`${variable} (${JSON.stringify(String(value))})`);
      }
    });

    it(`${caseName(boundary)} by the stack (its context key)`, () => {
      const context: Record<string, unknown> = { ...CONTEXT, ...companions, [key]: String(value) };
      if (accepted) {
        expect(parseConfig((name) => context[name])[key]).toBe(value);
      } else {
        expect(() => parseConfig((name) => context[name])).toThrow(ConfigError);
        expect(() => parseConfig((name) => context[name])).toThrow(`${key} "${value}" must be`);
      }
    });
  });

  it('lets the re-query reach equal the window but not exceed it, on both sides', () => {
    // Prepare
    const fits = { windowMinutes: 20, requeryMinutes: 20 };
    const exceeds = { windowMinutes: 20, requeryMinutes: 21 };
    const context = (values: object) => (name: string) => ({ ...CONTEXT, ...values })[name as keyof typeof CONTEXT];

    // Act / Assess
    expect(loadConfig(toEnvironment(settings(fits), RESOURCES))).toMatchObject(fits);
    expect(parseConfig(context(fits))).toMatchObject(fits);
    expect(() => loadConfig(toEnvironment(settings(exceeds), RESOURCES))).toThrow(
      /REQUERY_MINUTES \("21"\): must not exceed WINDOW_MINUTES/,
    );
    expect(() => parseConfig(context(exceeds))).toThrow('requeryMinutes (21) must not exceed windowMinutes (20)');
  });
});
