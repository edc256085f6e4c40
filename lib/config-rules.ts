/**
 * Rules of the context that involve two keys, checked once each key is valid on its own
 * (lib/config.ts).
 */
import { REPEAT_OFFENDER_STATE_KEY, UPDATER_BOUNDS } from '../functions/nacl-updater/contract';
import type { FloodGuardConfig } from './config';

/**
 * The core merges host rules into prefixes no wider than the limit; a limit narrower than the deny
 * rules' own mask is below what every rule already blocks, so it is rejected rather than deployed
 * as a setting that does not do what it says.
 */
export function aggregationProblems(
  config: Pick<
    FloodGuardConfig,
    'naclMaxAggregatePrefix' | 'naclMaxAggregatePrefixIpv6' | 'naclRuleNetworkMask' | 'naclRuleNetworkMaskIpv6'
  >,
): string[] {
  const pairs = [
    [
      'naclMaxAggregatePrefix',
      config.naclMaxAggregatePrefix,
      UPDATER_BOUNDS.naclMaxAggregatePrefix.min,
      'naclRuleNetworkMask',
      config.naclRuleNetworkMask,
    ],
    [
      'naclMaxAggregatePrefixIpv6',
      config.naclMaxAggregatePrefixIpv6,
      UPDATER_BOUNDS.naclMaxAggregatePrefixIpv6.min,
      'naclRuleNetworkMaskIpv6',
      config.naclRuleNetworkMaskIpv6,
    ],
  ] as const;
  return pairs.flatMap(([key, limit, min, maskKey, mask]) => {
    if (limit === undefined || mask === undefined || limit <= mask) return [];
    const fix = mask >= min ? `-c ${key}=<${min}-${mask}>, or leave it out (aggregation off)` : `leave ${key} out, or raise ${maskKey}`;
    return [
      `${key} (${limit}) must not be greater than ${maskKey} (${mask}): deny rules already block whole /${mask} networks, ` +
        `so merging into prefixes no wider than /${limit} is narrower than the rules themselves. Fix: ${fix}.`,
    ];
  });
}

/**
 * Repeat offenders: a hold is windowMinutes x 2^k capped at maxBlockHours, so a cap below one
 * window would cap nothing (the reference rule already keeps a rule one window).
 */
export function repeatOffenderProblems(config: Pick<FloodGuardConfig, 'maxBlockHours' | 'windowMinutes'>): string[] {
  const { maxBlockHours, windowMinutes } = config;
  if (maxBlockHours === undefined || windowMinutes === undefined || maxBlockHours * 60 >= windowMinutes) return [];
  return [
    `maxBlockHours (${maxBlockHours}) is shorter than windowMinutes (${windowMinutes} minutes): no block can be shorter than one window. ` +
      `Fix: -c maxBlockHours=${Math.ceil(windowMinutes / 60)} or more, or lower windowMinutes.`,
  ];
}

/** The allow list, the deny list and (with repeat offenders on) the repeat-offender state are three different objects. */
export function objectKeyProblems(
  config: Pick<FloodGuardConfig, 'repeatOffenderWindowHours' | 'allowListKey' | 'denyListKey'>,
  stateKey = REPEAT_OFFENDER_STATE_KEY,
): string[] {
  const problems: string[] = [];
  if (config.allowListKey !== undefined && config.allowListKey === config.denyListKey) {
    problems.push(
      `allowListKey and denyListKey are both "${config.allowListKey}": one object cannot both spare and block. Fix: -c denyListKey=deny-list.txt.`,
    );
  }
  for (const key of ['allowListKey', 'denyListKey'] as const) {
    if ((config.repeatOffenderWindowHours ?? 0) > 0 && config[key] === stateKey)
      problems.push(
        `${key} is "${stateKey}", the object that holds the repeat-offender state. Fix: -c ${key}=<another key>, or leave repeatOffenderWindowHours at 0.`,
      );
  }
  return problems;
}
