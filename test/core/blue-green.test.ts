import { describe, expect, it } from 'vitest';
import { parseNetwork } from '../../core/addresses';
import { planBlueGreen, type BlueGreenState, type DesiredFor, type SubnetAssociation } from '../../core/blue-green';
import { desiredEntries, type AclEntry } from '../../core/nacl-plan';
import { allowAllEntries } from '../support/builders';

const original = allowAllEntries();
const blocking =
  (...cidrs: string[]): DesiredFor =>
  (current) =>
    desiredEntries(
      cidrs.map((c) => parseNetwork(c)!),
      original,
      current,
    );
const on = (...acls: string[]): SubnetAssociation[] =>
  acls.map((networkAclId, i) => ({ subnetId: `subnet-${i}`, associationId: `assoc-${i}`, networkAclId }));
const state = (
  subnets: SubnetAssociation[],
  blueEntries: readonly AclEntry[] = [],
  greenEntries: readonly AclEntry[] = [],
): BlueGreenState => ({
  subnets,
  originalAclId: 'acl-original',
  blue: { id: 'acl-blue', entries: blueEntries },
  green: { id: 'acl-green', entries: greenEntries },
});

describe('planBlueGreen', () => {
  it('writes the free stack ACL and moves every subnet onto it', () => {
    // Act
    const plan = planBlueGreen(state(on('acl-original', 'acl-original')), blocking('192.0.2.1/32'));

    // Assess: both free; the tie goes to blue.
    expect(plan).toEqual({ write: 'acl-blue', moveTo: 'acl-blue' });
  });

  it('never writes the ACL the subnets use', () => {
    // Prepare
    const blue = blocking('192.0.2.1/32')([]);

    // Act
    const plan = planBlueGreen(state(on('acl-blue', 'acl-blue'), blue), blocking('192.0.2.9/32'));

    // Assess
    expect(plan).toEqual({ write: 'acl-green', moveTo: 'acl-green' });
  });

  it('does nothing when the ACL in use already enforces the rules', () => {
    // Prepare
    const green = blocking('192.0.2.1/32', '192.0.2.2/32')([]);

    // Act / Assess
    expect(planBlueGreen(state(on('acl-green', 'acl-green'), [], green), blocking('192.0.2.2/32', '192.0.2.1/32'))).toEqual({});
  });

  it('moves onto an unused ACL that already enforces the rules, without writing', () => {
    // Prepare
    const green = blocking('192.0.2.1/32')([]);

    // Act / Assess
    expect(planBlueGreen(state(on('acl-original', 'acl-blue'), blocking('198.51.100.1/32')([]), green), blocking('192.0.2.1/32'))).toEqual({
      moveTo: 'acl-green',
    });
  });

  it('consolidates a split onto the ACL closest to the rules, then writes the other', () => {
    // Prepare
    const blue = blocking('192.0.2.1/32')([]);
    const green = blocking('192.0.2.1/32', '192.0.2.2/32')([]);

    // Act
    const plan = planBlueGreen(
      state(on('acl-blue', 'acl-green', 'acl-green'), blue, green),
      blocking('192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32'),
    );

    // Assess
    expect(plan).toEqual({ consolidateOnto: 'acl-green', write: 'acl-blue', moveTo: 'acl-blue' });
  });

  it('goes back to the original ACL when nothing is to be blocked, and stays there', () => {
    // Act / Assess
    expect(planBlueGreen(state(on('acl-blue', 'acl-green')), 'original')).toEqual({ moveTo: 'acl-original' });
    expect(planBlueGreen(state(on('acl-original')), 'original')).toEqual({});
  });
});
