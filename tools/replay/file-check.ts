/**
 * Whether a file is a flow log the replay can use, judged from its first lines before it is read:
 * a folder of exports often holds other files (a README, a licence, a log of another service) or
 * flow logs of a format that lacks what detection needs (a NAT or transit gateway custom format).
 */
import { DEFAULT_LAYOUT, isHeaderLine, layoutOf } from './field-layout';
import { FlowLineParser } from './flow-log-parser';
import { CHUNK_BYTES, headerFields, openBytes } from './line-reader';

/** Lines looked at: a flow log shows a record (or a NODATA/SKIPDATA line) among its first few. */
const SAMPLE_LINES = 20;

/** Why the file cannot be used, or undefined when it can (an empty file can: it holds no record). */
export async function unusableReason(file: string): Promise<string | undefined> {
  const lines = (await firstLines(file)).filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const [first] = lines as [string, ...string[]];
  if (isHeaderLine(first)) {
    try {
      layoutOf(headerFields(first).split(' '));
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }
  const parser = new FlowLineParser([]);
  for (const line of lines) parser.parse(line, DEFAULT_LAYOUT, () => '');
  const { records, noData, skipData } = parser.stats;
  return records + noData + skipData > 0 ? undefined : `not flow-log text: none of its first ${lines.length} line(s) is a flow record`;
}

/** Up to SAMPLE_LINES lines from the file's first chunk (inflated when gzip); a binary file gives no usable line. */
async function firstLines(file: string): Promise<string[]> {
  const source = await openBytes(file);
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let filled = 0;
    for (let read = -1; read !== 0 && filled < buffer.length; filled += read) read = await source.fill(buffer, filled);
    return buffer.toString('latin1', 0, filled).split('\n').slice(0, SAMPLE_LINES);
  } finally {
    await source.close();
  }
}
