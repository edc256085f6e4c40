import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** A function whose body holds `statements` lines of code, each followed by `extra` (e.g. a comment or a blank line). */
function functionOf(statements: number, extra = ''): string {
  const body = Array.from({ length: statements }, (_, i) => `  total += ${i};\n${extra}`).join('');
  return `export function sample(): number {\n  let total = 0;\n${body}  return total;\n}\n`;
}

/** Messages of the size rules for `source` placed at `path` (the file need not exist). */
async function sizeFindings(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === 'max-lines-per-function' || m.ruleId === 'max-lines').map((m) => m.ruleId!);
}

describe('size limits of product code', () => {
  it('allows a function of 60 lines, not counting comments and blank lines', async () => {
    // 56 statements + signature, declaration, return and closing brace = 60 lines of code.
    expect(await sizeFindings('core/sample.ts', functionOf(56, '  // why this step\n\n'))).toEqual([]);
  });

  it('reports a function of 61 lines of code', async () => {
    expect(await sizeFindings('functions/summarizer/sample.ts', functionOf(57))).toEqual(['max-lines-per-function']);
  });

  it('reports a module of more than 300 lines of code', async () => {
    const source = Array.from({ length: 301 }, (_, i) => `export const value${i} = ${i};\n`).join('');

    expect(await sizeFindings('simulation/sample.ts', source)).toEqual(['max-lines']);
  });

  it('leaves tests free to hold long tables of cases', async () => {
    const source = `import { it } from 'vitest';\n${functionOf(80)}it('adds', () => undefined);\n`;

    expect(await sizeFindings('test/core/sample.test.ts', source)).toEqual([]);
  });
});
