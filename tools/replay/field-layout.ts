/**
 * Where the fields detection reads sit in the lines of a flow-log file: from its header line, or
 * the default version 2 order when it has none. A format that lacks a field detection needs is
 * refused at once rather than read wrong.
 */

/** The default version 2 field order, used when a file has no header line. */
export const DEFAULT_V2_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
] as const;

const REQUIRED_FIELDS = ['srcaddr', 'dstport', 'protocol', 'packets', 'start', 'end', 'action'] as const;

/** Where each field this reader needs sits in a line; -1 when the format lacks it. */
export interface FieldLayout {
  readonly fieldCount: number;
  readonly srcAddr: number;
  readonly dstPort: number;
  readonly protocol: number;
  readonly packets: number;
  readonly start: number;
  readonly end: number;
  readonly action: number;
  readonly logStatus: number;
  readonly flowDirection: number;
}

/** Builds the layout of a header; throws naming the missing fields when detection cannot work with it. */
export function layoutOf(fields: readonly string[]): FieldLayout {
  const missing = REQUIRED_FIELDS.filter((name) => !fields.includes(name));
  if (missing.length > 0) {
    throw new Error(`flow-log format lacks field(s) ${missing.join(', ')} (header: "${fields.join(' ')}")`);
  }
  const duplicate = fields.find((name, i) => fields.indexOf(name) !== i);
  if (duplicate) throw new Error(`flow-log header names field "${duplicate}" twice`);
  return {
    fieldCount: fields.length,
    srcAddr: fields.indexOf('srcaddr'),
    dstPort: fields.indexOf('dstport'),
    protocol: fields.indexOf('protocol'),
    packets: fields.indexOf('packets'),
    start: fields.indexOf('start'),
    end: fields.indexOf('end'),
    action: fields.indexOf('action'),
    logStatus: fields.indexOf('log-status'),
    flowDirection: fields.indexOf('flow-direction'),
  };
}

export const DEFAULT_LAYOUT = layoutOf(DEFAULT_V2_FIELDS);

/** A header names fields and never holds an address: it starts with a letter and has a srcaddr token. */
export function isHeaderLine(text: string, from = 0, to = text.length): boolean {
  const first = text.charCodeAt(from);
  if (first < 97 || first > 122) return false;
  return text
    .slice(from, to)
    .trim()
    .split(/[ \t]+/)
    .includes('srcaddr');
}
