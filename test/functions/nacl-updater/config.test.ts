import { describe, expect, it } from 'vitest';
import { cidrText } from '../../../core/addresses';
import { loadConfig } from '../../../functions/nacl-updater/config';

const env = {
  VPC_ID: 'vpc-0123456789abcdef0',
  VPC_CIDRS: '10.0.0.0/16, 2600:1f18:abcd:1200::/56',
  SUBNET_IDS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  ORIGINAL_NACL_ID: 'acl-00000000000000001',
  BLUE_NACL_ID: 'acl-00000000000000002',
  GREEN_NACL_ID: 'acl-00000000000000003',
  ALLOW_LIST_BUCKET: 'flood-guard-allow-list',
  AUDIT_LOG_GROUP_NAME: '/nacl-flood-guard/audit',
};

describe('loadConfig (nacl-updater)', () => {
  it("reads the stack's variables and applies the documented defaults", () => {
    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toMatchObject({
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
  ])('names the bad variable %s', (name, value, message) => {
    // Act / Assess
    expect(() => loadConfig({ ...env, [name]: value })).toThrow(message);
  });
});
