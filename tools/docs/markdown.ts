/**
 * Markdown pieces of the generated documentation tables: rendering a table, and finding and
 * replacing the regions between `<!-- generated:<name> -->` and `<!-- /generated -->` markers.
 */

/** One table: header cells and rows of cells, as Markdown text (inline code, emphasis allowed). */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** A marked region of a document: the table name and the text between its markers. */
export interface Region {
  readonly name: string;
  readonly content: string;
}

const OPEN = /<!-- generated:([a-z0-9-]+) -->/g;
const CLOSE = '<!-- /generated -->';

/** Renders a table; prettier pads the columns afterwards. */
export function renderTable(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  for (const row of table.rows) {
    if (row.length !== table.header.length) {
      throw new Error(`table row has ${row.length} cells, the header ${table.header.length}: ${row.join(' | ')}`);
    }
  }
  return [line(table.header), line(table.header.map(() => '---')), ...table.rows.map(line)].join('\n');
}

/** A cell is one line; a pipe inside it would end the cell. */
function escapeCell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/(?<!\\)\|/g, '\\|');
}

/** The marked regions of a document, in order. Throws on a marker without its closing marker. */
export function regionsOf(document: string, file: string): Region[] {
  const regions: Region[] = [];
  for (const match of document.matchAll(OPEN)) {
    const start = match.index + match[0].length;
    const end = document.indexOf(CLOSE, start);
    const nextOpen = document.slice(start).search(OPEN);
    if (end === -1 || (nextOpen !== -1 && start + nextOpen < end)) {
      throw new Error(`${file}: <!-- generated:${match[1]} --> has no ${CLOSE} before the next table`);
    }
    regions.push({ name: match[1]!, content: document.slice(start, end) });
  }
  return regions;
}

/** The document with every marked region's content replaced by its table (blank lines around it). */
export function fillRegions(document: string, file: string, tableText: (name: string) => string): string {
  regionsOf(document, file);
  return document.replace(
    /(<!-- generated:([a-z0-9-]+) -->)[\s\S]*?(<!-- \/generated -->)/g,
    (_all, open: string, name: string, close: string) => `${open}\n\n${tableText(name)}\n\n${close}`,
  );
}
