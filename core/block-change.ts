import type { Anomaly } from './anomaly-message';
import type { BlockRule } from './block-selection';

/** Why a network that needed a deny rule got none. */
export type LeftOutCause = 'rule quota' | 'block caps' | 'account quota';

/** A network in a notification: its rule and, for a deny-listed one, the operator's reason. */
export interface NotifiedNetwork {
  readonly cidr: string;
  /** The anomalous sources the rule covers (none for a deny-listed network nobody flooded from). */
  readonly sources: readonly Anomaly[];
  /** Set for a deny-listed network: "deny list" and the line's comment, if any. */
  readonly reason?: string;
}

export interface LeftOutNetwork extends NotifiedNetwork {
  readonly cause: LeftOutCause;
}

/**
 * One change of the blocked set (docs/operator-controls.md, Block notifications): what one
 * verdict blocked, lifted, and left unblocked for lack of room. In report mode the same change is
 * what block mode would have made.
 */
export interface BlockChange {
  readonly mode: 'block' | 'report';
  /** Which deployment: the stack name. */
  readonly deployment: string;
  readonly vpcId: string;
  /** The verdict's generatedAt (ISO-8601): identifies the change. */
  readonly generatedAt: string;
  readonly blocked: readonly NotifiedNetwork[];
  /** CIDRs no longer blocked. */
  readonly lifted: readonly string[];
  readonly leftUnblocked: readonly LeftOutNetwork[];
  /** Deny rules in place (or, in report mode, that block mode would hold) after the change. */
  readonly inForce: number;
}

export interface BlockChangeInput {
  readonly mode: 'block' | 'report';
  readonly deployment: string;
  readonly vpcId: string;
  readonly generatedAt: string;
  /** CIDRs blocked before the run (the deny rules in use, or what report mode held). */
  readonly before: readonly string[];
  /** Rules in place after the run. */
  readonly placed: readonly BlockRule[];
  /** Rules without a place: the selection's unblocked (capped ones among them) and those the account refused. */
  readonly unblocked: readonly BlockRule[];
  readonly capped: readonly BlockRule[];
  readonly refused: readonly BlockRule[];
  /** CIDRs already reported left unblocked: reported again only once they had a place in between. */
  readonly reportedLeftOut: ReadonlySet<string>;
  /** Deny-list comments by CIDR (empty string: no comment). */
  readonly denyComments: ReadonlyMap<string, string>;
}

/**
 * The change a run made, or undefined when there is nothing to tell: no network blocked or lifted
 * and no network newly left unblocked. A duplicated verdict that changes nothing therefore tells
 * nothing; a network left out run after run is told once.
 */
export function blockChange(input: BlockChangeInput): BlockChange | undefined {
  const before = new Set(input.before);
  const after = new Set(input.placed.map((r) => r.cidr));
  const blocked = input.placed.filter((r) => !before.has(r.cidr)).map((r) => notified(r, input.denyComments));
  const lifted = input.before.filter((cidr) => !after.has(cidr));
  const leftUnblocked = leftOut(input);
  const news = leftUnblocked.some((r) => !input.reportedLeftOut.has(r.cidr));
  if (blocked.length === 0 && lifted.length === 0 && !news) return undefined;
  const { mode, deployment, vpcId, generatedAt } = input;
  return { mode, deployment, vpcId, generatedAt, blocked, lifted, leftUnblocked, inForce: after.size };
}

/** Every network without a place, each once, with the reason. */
export function leftOut(input: Pick<BlockChangeInput, 'unblocked' | 'capped' | 'refused' | 'denyComments'>): LeftOutNetwork[] {
  const capped = new Set(input.capped.map((r) => r.cidr));
  const seen = new Set<string>();
  const out: LeftOutNetwork[] = [];
  const add = (rule: BlockRule, cause: LeftOutCause) => {
    if (seen.has(rule.cidr)) return;
    seen.add(rule.cidr);
    out.push({ ...notified(rule, input.denyComments), cause });
  };
  for (const rule of input.unblocked) add(rule, capped.has(rule.cidr) ? 'block caps' : 'rule quota');
  for (const rule of input.refused) add(rule, 'account quota');
  return out;
}

function notified(rule: BlockRule, comments: ReadonlyMap<string, string>): NotifiedNetwork {
  if (!rule.denyListed) return { cidr: rule.cidr, sources: rule.sources };
  const comment = comments.get(rule.cidr)?.trim();
  return { cidr: rule.cidr, sources: rule.sources, reason: comment ? `deny list: ${comment}` : 'deny list' };
}
