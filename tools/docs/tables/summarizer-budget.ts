import { longestCallMs } from '../../../functions/common/client-options';
import { SUMMARIZER_CALLS, SUMMARIZER_DEPLOYMENT } from '../../../functions/summarizer/contract';
import { JUDGE_RESERVE_MS, POST_QUERY_RESERVE_MS } from '../../../functions/summarizer/run';
import type { Table } from '../markdown';

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** How a summarizer run spends its Lambda timeout (functions/summarizer/run.ts), and what a hung call in each phase ends as. */
export function summarizerBudgetTable(): Table {
  const timeout = seconds(SUMMARIZER_DEPLOYMENT.timeoutSeconds * 1000);
  const longest = seconds(longestCallMs(SUMMARIZER_CALLS));
  const answering = seconds(JUDGE_RESERVE_MS - longestCallMs(SUMMARIZER_CALLS));
  return {
    header: ['Phase', 'Ends', 'A hung call there'],
    rows: [
      [
        'Insights queries',
        `no query starts later than ${seconds(POST_QUERY_RESERVE_MS)} before the ${timeout} timeout`,
        `its minute is incomplete and re-queried; one begun just before the deadline gives up ${longest} later, still ${seconds(POST_QUERY_RESERVE_MS - longestCallMs(SUMMARIZER_CALLS))} before the timeout`,
      ],
      [
        'bin writes',
        `the write deadline, ${seconds(JUDGE_RESERVE_MS)} before the timeout`,
        "the writes in flight give up together; the first that does not answer stops the run's other writes, and the deadline aborts whatever is still in flight: the minutes not written are counted failed and re-queried",
      ],
      [
        'window reads, the publish',
        `the remaining ${seconds(JUDGE_RESERVE_MS)}: the longest call (${longest}) plus ${answering} for the calls that answer`,
        'no verdict (nothing is unblocked); the invocation fails with its reason logged',
      ],
    ],
  };
}
