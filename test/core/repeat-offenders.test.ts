/** Repeat offenders: the hold after the last anomalous minute, k, the state and its text. */
import { describe, expect, it } from 'vitest';
import {
  decideHolds,
  holdMinutes,
  parseRepeatOffenderState,
  pruneState,
  recordBlocks,
  repeatCount,
  serializeRepeatOffenderState,
  MAX_REMEMBERED_NETWORKS,
  type HoldInput,
  type RepeatOffenderState,
} from '../../core/repeat-offenders';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T08:00:00Z');
const POLICY = { windowHours: 24, maxBlockHours: 24 };

function holdInput(state: RepeatOffenderState, extra: Partial<HoldInput> = {}): HoldInput {
  return {
    state,
    inPlace: ['198.51.100.1/32'],
    keptAnyway: new Set(),
    windowStartMs: T0,
    windowMinutes: 60,
    nowMs: T0 + 60 * MINUTE + 10_000,
    policy: POLICY,
    ...extra,
  };
}

describe('holdMinutes', () => {
  it('is windowMinutes x 2^k: 1x, 2x, 4x for k = 0, 1, 2', () => {
    expect([0, 1, 2].map((k) => holdMinutes(k, 60, 24))).toEqual([60, 120, 240]);
  });

  it('stops at maxBlockHours', () => {
    expect(holdMinutes(5, 60, 24)).toBe(24 * 60);
    expect(holdMinutes(60, 60, 24)).toBe(24 * 60);
  });

  it('never goes below windowMinutes, even with a cap below it', () => {
    expect(holdMinutes(3, 120, 1)).toBe(120);
  });
});

describe('repeatCount', () => {
  it('counts the earlier blocks within the window before the start, not the block itself nor older ones', () => {
    const blocks = [T0 - 30 * HOUR, T0 - 23 * HOUR, T0 - HOUR, T0];

    expect(repeatCount(blocks, T0, 24)).toBe(2);
    expect(repeatCount(blocks, T0, 0)).toBe(0);
  });
});

describe('recordBlocks', () => {
  it('gives a first block k = 0 and a block again within the window k = its earlier blocks there', () => {
    // Act
    let state = recordBlocks({}, ['198.51.100.1/32'], T0, POLICY);
    state = recordBlocks(state, ['198.51.100.1/32'], T0 + 2 * HOUR, POLICY);
    state = recordBlocks(state, ['198.51.100.1/32'], T0 + 5 * HOUR, POLICY);
    const late = recordBlocks(state, ['198.51.100.1/32'], T0 + 28 * HOUR, POLICY);

    // Assess
    expect(state['198.51.100.1/32']).toEqual({ blocks: [T0, T0 + 2 * HOUR, T0 + 5 * HOUR], k: 2 });
    expect(late['198.51.100.1/32']!.k).toBe(1);
  });
});

describe('decideHolds', () => {
  it('with k = 0 keeps nothing: the reference lifts the rule when its last anomalous minute leaves the window', () => {
    // Act
    const decision = decideHolds(holdInput({ '198.51.100.1/32': { blocks: [T0 - 10 * MINUTE], k: 0 } }));

    // Assess
    expect(decision.held).toEqual([]);
    expect(decision.state['198.51.100.1/32']).toEqual({ blocks: [T0 - 10 * MINUTE], k: 0 });
  });

  it('keeps a network with k = 2 until windowMinutes x 4 after its window start, then lifts it', () => {
    // Prepare
    const state = { '198.51.100.1/32': { blocks: [T0 - 3 * HOUR, T0 - 2 * HOUR, T0 - 10 * MINUTE], k: 2 } };

    // Act
    const first = decideHolds(holdInput(state));
    const later = decideHolds(holdInput(first.state, { windowStartMs: T0 + 2 * HOUR, nowMs: T0 + 4 * HOUR - 1 }));
    const end = decideHolds(holdInput(later.state, { nowMs: T0 + 4 * HOUR }));

    // Assess: the hold-until is set once, from the first window that no longer holds the source
    expect(first.held).toEqual([{ cidr: '198.51.100.1/32', k: 2, holdUntil: T0 + 4 * HOUR }]);
    expect(later.held).toEqual(first.held);
    expect(end.held).toEqual([]);
    expect(end.state['198.51.100.1/32']!.holdUntil).toBeUndefined();
  });

  it('clears the hold of a network anomalous again: its last anomalous minute moved on', () => {
    // Prepare
    const state = { '198.51.100.1/32': { blocks: [T0 - 2 * HOUR, T0 - 10 * MINUTE], k: 1, holdUntil: T0 + HOUR } };

    // Act
    const decision = decideHolds(holdInput(state, { keptAnyway: new Set(['198.51.100.1/32']) }));

    // Assess
    expect(decision.held).toEqual([]);
    expect(decision.state['198.51.100.1/32']).toEqual({ blocks: [T0 - 2 * HOUR, T0 - 10 * MINUTE], k: 1 });
  });

  it('treats a network in place that the state does not know as k = 0 (lost state: the reference rule)', () => {
    expect(decideHolds(holdInput({})).held).toEqual([]);
  });
});

describe('pruneState', () => {
  it('forgets block starts older than the window and networks left with none, but keeps networks in place', () => {
    // Prepare
    const state: RepeatOffenderState = {
      '198.51.100.1/32': { blocks: [T0 - 30 * HOUR], k: 0 },
      '198.51.100.2/32': { blocks: [T0 - 30 * HOUR, T0 - HOUR], k: 1 },
      '198.51.100.3/32': { blocks: [T0 - 30 * HOUR], k: 0, holdUntil: T0 + HOUR },
    };

    // Act
    const pruned = pruneState(state, ['198.51.100.3/32'], T0, POLICY);

    // Assess
    expect(pruned).toEqual({
      '198.51.100.2/32': { blocks: [T0 - HOUR], k: 1 },
      '198.51.100.3/32': { blocks: [T0 - 30 * HOUR], k: 0, holdUntil: T0 + HOUR },
    });
  });

  it(`remembers at most ${MAX_REMEMBERED_NETWORKS} networks, the most recently blocked`, () => {
    // Prepare
    const state: Record<string, { blocks: number[]; k: number }> = {};
    for (let i = 0; i <= MAX_REMEMBERED_NETWORKS; i++) state[`10.${i >> 8}.${i & 255}.1/32`] = { blocks: [T0 - HOUR + i], k: 0 };

    // Act
    const pruned = pruneState(state, [], T0, POLICY);

    // Assess
    expect(Object.keys(pruned)).toHaveLength(MAX_REMEMBERED_NETWORKS);
    expect(pruned['10.0.0.1/32']).toBeUndefined();
  });
});

describe('the state object', () => {
  it('round-trips through its JSON text', () => {
    // Prepare
    const state = {
      '198.51.100.1/32': { blocks: [T0 - HOUR, T0], k: 1, holdUntil: T0 + 2 * HOUR },
      '2001:db8::/64': { blocks: [T0], k: 0 },
    };

    // Act
    const text = serializeRepeatOffenderState(state);

    // Assess
    expect(JSON.parse(text).networks['198.51.100.1/32']).toEqual({
      blocks: ['2026-03-01T07:00:00.000Z', '2026-03-01T08:00:00.000Z'],
      k: 1,
      holdUntil: '2026-03-01T10:00:00.000Z',
    });
    expect(parseRepeatOffenderState(text)).toEqual({ ok: true, state });
  });

  it.each([
    ['not JSON', '{"version":1,', 'not JSON'],
    ['another version', '{"version":2,"networks":{}}', 'invalid at version'],
    [
      'a bad time',
      '{"version":1,"networks":{"198.51.100.1/32":{"blocks":["yesterday"],"k":0}}}',
      'invalid at networks.198.51.100.1/32.blocks.0',
    ],
    ['a negative k', '{"version":1,"networks":{"198.51.100.1/32":{"blocks":[],"k":-1}}}', 'invalid at networks.198.51.100.1/32.k'],
  ])('rejects %s, saying where', (_what, text, reason) => {
    const parsed = parseRepeatOffenderState(text);

    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});
