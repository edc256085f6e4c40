/**
 * What a simulated deployment is configured with: the operator's settings, named and defaulted as
 * the stack's context keys (the functions' contracts), and the simulation's own knobs (clock,
 * network, the account's real quota, the allow list).
 */
import type { Listener } from '../core/listeners';
import * as updaterContract from '../functions/nacl-updater/contract';
import { SEED_OBJECTS } from '../functions/network-facts/allow-list-seed';
import * as summarizerContract from '../functions/summarizer/contract';

/** The settings the stack's context keys give the functions (lib/config.ts validates the same, with the same bounds). */
export type FunctionSettings = summarizerContract.SummarizerSettings & updaterContract.UpdaterSettings;

/** The deployed resources the functions' environments name. */
export type DeployedResources = summarizerContract.SummarizerResources & updaterContract.UpdaterResources;

/** Operator settings the simulation takes as given (the others come from the simulated network). */
type ChosenSettings = Omit<FunctionSettings, 'vpcId' | 'subnetIds' | 'listeners'>;

export interface DeploymentSpec extends Partial<ChosenSettings> {
  /** Simulated clock start, epoch ms. */
  readonly startMs: number;
  readonly vpcCidrs: readonly string[];
  /** The endpoint's listeners, protocols as flow logs number them: 6 (TCP) or 17 (UDP). */
  readonly listeners: readonly Listener[];
  /** The account's real quota in the EC2 stand-in. @default naclRuleLimit */
  readonly accountRuleLimit?: number;
  /** Allow-list object text. @default '' (the stack deploys an empty list); null: the object is missing */
  readonly allowList?: string | null;
  /** Deny-list object text. @default '' (the stack deploys an empty list); null: the object is missing */
  readonly denyList?: string | null;
  /** Protected subnets. @default 2 */
  readonly subnetCount?: number;
  /** EC2 eventually consistent (simulation/ec2/consistency.ts): each call lags by up to maxLagMs, drawn from seed. @default consistent */
  readonly ec2Consistency?: { readonly maxLagMs: number; readonly seed: number };
}

/** The simulated deployment's stack, as block notifications name it, unless the spec names one. */
export const SIMULATED_STACK_NAME = 'NaclFloodGuard-simulated';

/** The settings the stack would hold for this spec: the contracts' defaults, then the spec's choices. */
export function settingsOf(spec: DeploymentSpec): Omit<FunctionSettings, 'vpcId' | 'subnetIds'> {
  const chosen: Partial<ChosenSettings> = Object.fromEntries(
    CHOSEN_KEYS.flatMap((key) => (spec[key] === undefined ? [] : [[key, spec[key]]])),
  );
  return {
    stackName: SIMULATED_STACK_NAME,
    ...summarizerContract.SUMMARIZER_DEFAULTS,
    ...updaterContract.UPDATER_DEFAULTS,
    ...chosen,
    listeners: spec.listeners,
  };
}

/**
 * The objects the allow-list bucket holds after the deploy, as key and text: the lists the spec
 * gives (or none), and the empty repeat-offender state the stack's seed resource puts in place when
 * repeat offenders are on.
 */
export function seededObjects(spec: DeploymentSpec, settings: ReturnType<typeof settingsOf>): [key: string, text: string][] {
  const objects: [string, string][] = [];
  if (spec.allowList !== null) objects.push([settings.allowListKey, spec.allowList ?? '']);
  if (spec.denyList !== null) objects.push([settings.denyListKey, spec.denyList ?? '']);
  if (settings.repeatOffenderWindowHours > 0)
    objects.push([updaterContract.REPEAT_OFFENDER_STATE_KEY, SEED_OBJECTS['repeat-offenders'].body]);
  return objects;
}

const CHOSEN_KEYS = [
  'mode',
  'minZScore',
  'minPacketsPerBin',
  'windowMinutes',
  'requeryMinutes',
  'maxAnomalies',
  'metricsNamespace',
  'naclRuleLimit',
  'naclRuleNetworkMask',
  'naclRuleNetworkMaskIpv6',
  'maxNewBlocksPerRun',
  'maxBlockedNetworks',
  'naclMaxAggregatePrefix',
  'naclMaxAggregatePrefixIpv6',
  'allowListKey',
  'binStore',
  'denyListKey',
  'repeatOffenderWindowHours',
  'maxBlockHours',
  'stackName',
] as const satisfies readonly (keyof ChosenSettings)[];
