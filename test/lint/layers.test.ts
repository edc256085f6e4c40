import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const RULE = 'no-restricted-imports';
/** Layers whose imports are restricted; `tools` may import anything. */
const RESTRICTED_LAYERS = ['core', 'functions', 'lib', 'dashboards', 'simulation', 'scenarios', 'bin'];

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The import-boundary findings for one import statement placed in a file at `path` (the file need not exist). */
async function boundaryFindings(path: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { value } from '${specifier}';\nexport { value };\n`, { filePath: join(ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('import boundaries between layers', () => {
  it.each([
    ['core/sample.ts', './addresses'],
    ['functions/summarizer/sample.ts', '../../core/addresses'],
    ['functions/summarizer/sample.ts', '../common/environment'],
    ['functions/nacl-updater/sample.ts', '../summarizer/config'],
    ['lib/sample.ts', '../core/metrics'],
    ['lib/sample.ts', '../dashboards/monitoring'],
    ['lib/sample.ts', '../functions/summarizer/contract'],
    ['dashboards/sample.ts', '../functions/nacl-updater/contract'],
    ['simulation/sample.ts', '../functions/summarizer/handler'],
    ['simulation/sample.ts', '../core/nacl-plan'],
    ['scenarios/sample.ts', '../core/flow-log-format'],
    ['tools/replay/sample.ts', '../../simulation/deployment'],
    ['tools/replay/sample.ts', '../faults/world'],
    ['bin/sample.ts', '../lib/flood-guard-stack'],
    ['test/core/sample.test.ts', '../../tools/replay/flow-log-parser'],
  ])('lets %s import %s', async (path, specifier) => {
    expect(await boundaryFindings(path, specifier)).toEqual([]);
  });

  it.each([
    ['core/sample.ts', '../functions/summarizer/config', 'core may import nothing of ours'],
    ['core/sample.ts', '@aws-sdk/client-ec2', 'core must not import @aws-sdk'],
    ['core/sample.ts', 'aws-cdk-lib', 'core must not import aws-cdk-lib'],
    ['functions/summarizer/sample.ts', '../../lib/config', 'functions may import core'],
    ['functions/summarizer/sample.ts', '../../tools/replay/flow-log-parser', 'functions may import core'],
    ['functions/common/sample.ts', 'aws-cdk-lib/aws-lambda', 'functions must not import aws-cdk-lib'],
    ['lib/sample.ts', '../functions/nacl-updater/handler', 'lib may import core, dashboards, functions/*/contract'],
    ['lib/sample.ts', '../simulation/deployment', 'lib may import core, dashboards, functions/*/contract'],
    ['dashboards/sample.ts', '../lib/config', 'dashboards may import core, functions/*/contract'],
    ['dashboards/sample.ts', '../functions/nacl-updater/ec2-acls', 'dashboards may import core, functions/*/contract'],
    ['simulation/sample.ts', '../tools/replay/flow-log-parser', 'simulation may import core, functions'],
    ['simulation/sample.ts', '../lib/config', 'simulation may import core, functions'],
    ['scenarios/sample.ts', '../simulation/deployment', 'scenarios may import core'],
    ['scenarios/sample.ts', '../tools/replay/flow-log-parser', 'scenarios may import core'],
    ['bin/sample.ts', '../functions/summarizer/handler', 'bin may import lib'],
  ])('reports %s importing %s', async (path, specifier, reason) => {
    const findings = await boundaryFindings(path, specifier);

    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain(reason);
  });

  it('covers every TypeScript file of the restricted layers, however deep it lies', async () => {
    // Prepare
    const files = RESTRICTED_LAYERS.flatMap((layer) => typeScriptFiles(join(ROOT, layer)));

    // Act
    const uncovered: string[] = [];
    for (const file of files) {
      const config = await eslint.calculateConfigForFile(file);
      if (!config.rules?.[RULE]) uncovered.push(relative(ROOT, file));
    }

    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(uncovered).toEqual([]);
  });
});

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}
