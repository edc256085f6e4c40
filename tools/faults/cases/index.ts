/**
 * The faults of the campaign, each its own case: how it is injected into the simulated deployment
 * and how it must show (I4: a log line with the reason and a metric, see ../evidence.ts), grouped
 * by the service that fails. "How it is handled" is the table in docs/failure-handling.md,
 * generated from these cases.
 */
import type { FaultCase } from '../evidence';
import { allowListCases } from './allow-list';
import { dynamoDbCases } from './dynamodb';
import { ec2Cases } from './ec2';
import { hungCallCases } from './hung-calls';
import { messageCases } from './messages';
import { operatorControlCases } from './operator-controls';
import { repeatOffenderCases } from './repeat-offenders';
import { overlappingCases } from './overlapping';
import { staleReadCases } from './stale-reads';
import { summarizerCases } from './summarizer';

/** Every case, in the order the campaign runs them and the docs list them. */
export const FAULT_CASES: readonly FaultCase[] = [
  ...summarizerCases,
  ...dynamoDbCases,
  ...allowListCases,
  ...ec2Cases,
  ...staleReadCases,
  ...messageCases,
  ...overlappingCases,
  ...operatorControlCases,
  ...repeatOffenderCases,
  ...hungCallCases,
];
