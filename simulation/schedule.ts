/**
 * The events the stack's state machine sends the summarizer, for drivers that run it at fixed
 * times rather than through the synthesized state machine (the replay, the fault campaign).
 */
import { BIN_MS, type RunNumber } from '../core/run-window';
import { SCHEDULE_EVENT_SOURCE, SECOND_RUN_DELAY_SECONDS, type ScheduleEvent } from '../functions/summarizer/contract';

/** The state machine's wait after the first run before the second (the summarizer's contract, as the stack). */
const SECOND_RUN_DELAY_MS = SECOND_RUN_DELAY_SECONDS * 1000;

/** The event of run `run` of the execution that started at `executionStartMs`. */
export function scheduleEvent(run: RunNumber, executionStartMs: number): ScheduleEvent {
  return { source: SCHEDULE_EVENT_SOURCE, run, executionStartTime: new Date(executionStartMs).toISOString() };
}

/**
 * The event of a run at `nowMs` on a schedule whose executions start at each minute's start and
 * whose first runs take no time: in the first half of a minute the first run, in the second half
 * the second run of the execution 30 s earlier.
 */
export function onTheMinuteEvent(nowMs: number): ScheduleEvent {
  return nowMs % BIN_MS < SECOND_RUN_DELAY_MS ? scheduleEvent(1, nowMs) : scheduleEvent(2, nowMs - SECOND_RUN_DELAY_MS);
}
