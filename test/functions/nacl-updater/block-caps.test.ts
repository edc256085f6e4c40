/**
 * Threat model mitigation: per-run and total caps on new deny rules, so a flood of spoofed
 * sources cannot make the stack block an unlimited number of (partner) addresses at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrText } from '../../../core/addresses';
import type { Anomaly } from '../../../core/anomaly-message';
import { DEFAULT_BLOCK_CAPS, selectBlocks, type SelectionInput } from '../../../core/block-selection';
import { ConfigError } from '../../../core/config-error';
import { loadConfig } from '../../../functions/nacl-updater/contract';
import { parseConfig } from '../../../lib/config';
import { anomalyMessage as message, contextReader, flooders, net, updaterEnv } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

function input(anomalies: readonly Anomaly[], extra: Partial<SelectionInput> = {}): SelectionInput {
  return {
    anomalies,
    allowList: [],
    vpcCidrs: [net('10.0.0.0/16')],
    ipv4Mask: 32,
    ipv6Mask: 128,
    capacity: { ipv4: 38, ipv6: 38 },
    ...extra,
  };
}

describe('block caps in the selection', () => {
  it('adds at most newPerRun rules a run, highest Z-scores first, and reports the rest as capped and unblocked', () => {
    // Act
    const selection = selectBlocks(input(flooders(8), { caps: { newPerRun: 3, total: 40 } }));

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32']);
    expect(selection.capped.map((r) => r.cidr)).toEqual(['4', '5', '6', '7', '8'].map((i) => `198.51.100.${i}/32`));
    expect(selection.unblocked).toEqual(selection.capped);
  });

  it('does not count rules already in place against the per-run cap', () => {
    // Act: 1-4 are denied now; 5 more arrive
    const selection = selectBlocks(
      input(flooders(9), { caps: { newPerRun: 2, total: 40 }, inPlace: ['1', '2', '3', '4'].map((i) => net(`198.51.100.${i}/32`)) }),
    );

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['1', '2', '3', '4', '5', '6'].map((i) => `198.51.100.${i}/32`));
    expect(selection.capped).toHaveLength(3);
  });

  it('holds the total across both families', () => {
    // Act
    const v6 = flooders(3, { prefix: '2001:db8::', topZ: 100 });
    const selection = selectBlocks(input([...v6, ...flooders(3)], { caps: { newPerRun: 40, total: 4 } }));

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(['2001:db8::1/128', '2001:db8::2/128', '2001:db8::3/128', '198.51.100.1/32']);
    expect(selection.capped.map((r) => r.cidr)).toEqual(['198.51.100.2/32', '198.51.100.3/32']);
  });

  it('never caps a retained rule: a run that may only add removes nothing, even above the total', () => {
    // Act
    const retained = ['1', '2', '3'].map((i) => net(`203.0.113.${i}/32`));
    const selection = selectBlocks(input(flooders(2), { caps: { newPerRun: 5, total: 2 }, retained, inPlace: retained }));

    // Assess
    expect(selection.blocked.map((r) => r.cidr)).toEqual(retained.map(cidrText));
    expect(selection.capped.map((r) => r.cidr)).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
  });

  it('property: within capacity and caps, new rules <= newPerRun, total <= total cap, every source blocked, unblocked or excluded once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.ipV4(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        (ips, newPerRun, total, placed) => {
          // Prepare
          const anomalies = ips
            .filter((ip) => !ip.startsWith('10.0.'))
            .map((sourceIp, i) => ({ sourceIp, maxZScore: 100 - i, maxPackets: 20_000 }));
          const inPlace = anomalies.slice(0, placed).map((a) => net(`${a.sourceIp}/32`));

          // Act
          const selection = selectBlocks(input(anomalies, { caps: { newPerRun, total }, inPlace, capacity: { ipv4: 19, ipv6: 19 } }));

          // Assess
          const placedCidrs = new Set(inPlace.map(cidrText));
          expect(selection.blocked.filter((r) => !placedCidrs.has(r.cidr)).length).toBeLessThanOrEqual(newPerRun);
          expect(selection.blocked.length).toBeLessThanOrEqual(Math.min(total, 19));
          // Every source is blocked, left unblocked, or excluded (e.g. 0.0.0.0 is not a routable source).
          expect(selection.blocked.length + selection.unblocked.length + selection.excluded.length).toBe(anomalies.length);
          for (const rule of selection.capped) expect(selection.unblocked).toContain(rule);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('block caps in configuration', () => {
  const env = updaterEnv();

  it('defaults to 20 new and 40 in total, above the 18 rules of the default quota', () => {
    expect(DEFAULT_BLOCK_CAPS).toEqual({ newPerRun: 20, total: 40 });
    expect(loadConfig(env)).toMatchObject({ maxNewBlocksPerRun: 20, maxBlockedNetworks: 40 });
    expect(parseConfig(contextReader())).toMatchObject({
      maxNewBlocksPerRun: 20,
      maxBlockedNetworks: 40,
    });
  });

  it('reads the updater variables and the stack context keys', () => {
    expect(loadConfig({ ...env, MAX_NEW_BLOCKS_PER_RUN: '5', MAX_BLOCKED_NETWORKS: '12' })).toMatchObject({
      maxNewBlocksPerRun: 5,
      maxBlockedNetworks: 12,
    });
    const context = contextReader({ maxNewBlocksPerRun: '5', maxBlockedNetworks: '12' });
    expect(parseConfig(context)).toMatchObject({ maxNewBlocksPerRun: 5, maxBlockedNetworks: 12 });
  });

  it('rejects a cap of 0 or a non-number, naming the variable or key', () => {
    expect(() => loadConfig({ ...env, MAX_NEW_BLOCKS_PER_RUN: '0' })).toThrow(/MAX_NEW_BLOCKS_PER_RUN \("0"\): expected at least 1/);
    expect(() => loadConfig({ ...env, MAX_BLOCKED_NETWORKS: 'ten' })).toThrow(/MAX_BLOCKED_NETWORKS \("ten"\)/);
    const context = contextReader({ maxBlockedNetworks: '0' });
    expect(() => parseConfig(context)).toThrow(ConfigError);
    expect(() => parseConfig(context)).toThrow(/maxBlockedNetworks "0" must be a whole number from 1 to 100/);
  });
});

describe('block caps in the NACL updater', () => {
  it('blocks the capped rest on the next verdicts and counts them unblocked meanwhile', async () => {
    // Prepare: a raised quota (40) where the per-run cap binds
    const world = await UpdaterWorld.create({ ruleLimit: 40, maxNewBlocksPerRun: 10, maxBlockedNetworks: 30 });
    const sources = flooders(35);

    // Act / Assess: 10 per run, up to 30 in total
    await world.deliver(message(world.vpcId, sources));
    expect(world.deniedCidrs()).toHaveLength(10);
    expect(world.telemetry.lastMetricValues()).toMatchObject({
      BlockedSourceNetworks: 10,
      UnblockedSourceNetworks: 25,
      UnblockedSourceIPs: 25,
    });
    expect(
      world.telemetry.logs.find((l) => l.message === 'anomalous networks left unblocked by the block caps')?.entry.networks,
    ).toHaveLength(25);

    await world.deliver(message(world.vpcId, sources));
    expect(world.deniedCidrs()).toHaveLength(20);
    await world.deliver(message(world.vpcId, sources));
    await world.deliver(message(world.vpcId, sources));
    expect(world.deniedCidrs()).toHaveLength(30);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceNetworks: 30, UnblockedSourceNetworks: 5 });
    // The strongest 30 hold the places
    expect(world.deniedCidrs().sort()).toEqual(
      sources
        .slice(0, 30)
        .map((a) => `${a.sourceIp}/32`)
        .sort(),
    );
  });
});
