import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The layers of the product and what each may import of ours. A layer always may import its own
 * files. `tools` (the replay, fault and benchmark CLIs) may import anything and has no entry;
 * since no layer lists it, nothing but the tests imports `tools`.
 *
 * `functions/<name>/contract` is the one module per function the stack and its dashboard may
 * read: the environment names, schema and defaults, free of side effects on load. Every other
 * function module creates SDK clients or holds handler logic, which the stack must not load.
 * `lib` composes the dashboard, so it may use `dashboards`; `dashboards` never uses `lib`, so
 * the monitoring constructs stay usable on their own and the two cannot import each other in a cycle.
 */
const CONTRACTS = 'functions/[^/]+/contract';
const LAYERS = {
  core: { may: [], why: 'the domain core is pure and imports nothing of ours' },
  functions: { may: ['core'], why: 'functions (handlers and adapters) build on the core only' },
  lib: { may: ['core', 'dashboards', CONTRACTS], why: 'the stack reads functions only through their contract modules' },
  dashboards: { may: ['core', CONTRACTS], why: 'the dashboard reads functions only through their contract modules' },
  simulation: { may: ['core', 'functions'], why: 'the simulation runs the real functions on the core' },
  scenarios: { may: ['core'], why: 'scenarios generate traffic from core types only' },
  bin: { may: ['lib'], why: 'the CDK app only instantiates the stack' },
};

/** Deepest folder below a layer's root the rules cover; test/lint/layers.test.ts fails when a file lies deeper. */
const MAX_DEPTH = 4;

/** Packages (or scopes) a layer must not load: the core stays free of AWS, and the Lambda functions never bundle the CDK. */
const FORBIDDEN_PACKAGES = {
  core: {
    names: ['@aws-sdk', '@aws-lambda-powertools', 'aws-cdk-lib', 'constructs', 'cdk-nag'],
    why: 'the domain core stays free of AWS, handlers and adapters own every SDK call',
  },
  functions: {
    names: ['aws-cdk-lib', 'constructs', 'cdk-nag'],
    why: 'the CDK is a deploy-time library, not part of a Lambda bundle',
  },
};

/** Matches a package (or every package of a scope) and its subpaths, nothing else: `constructs` but not `../constructs`. */
const packagePattern = (name) => `^${name}(?:/|$)`;

/** The allowed layers as a reader writes them. */
const describe = (may) => (may.length > 0 ? may.join(', ').replace(CONTRACTS, 'functions/*/contract') : 'nothing of ours');

/**
 * One config block per layer and folder depth. Imports are relative, so a specifier leaves the
 * layer exactly when it climbs as many `../` as the file lies deep: for `functions/summarizer/run.ts`,
 * `../common/x` stays in `functions` and `../../core/x` reaches `core`. Whatever the climb reaches
 * must be an allowed layer.
 */
function layerBlocks() {
  return Object.entries(LAYERS).flatMap(([layer, { may, why }]) =>
    Array.from({ length: MAX_DEPTH }, (_, index) => {
      const depth = index + 1;
      const allowed = may.length > 0 ? `(?!(?:${may.join('|')})(?:/|$))` : '';
      const forbidden = FORBIDDEN_PACKAGES[layer] ?? { names: [] };
      const packages = forbidden.names.map((name) => ({
        regex: packagePattern(name),
        caseSensitive: true,
        message: `${layer} must not import ${name}: ${forbidden.why}.`,
      }));
      return {
        files: [`${layer}/${'*/'.repeat(index)}*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^(?:\\.\\./){${depth}}${allowed}`,
                  caseSensitive: true,
                  message: `${layer} may import ${describe(may)}: ${why}.`,
                },
                ...packages,
              ],
            },
          ],
        },
      };
    }),
  );
}

/** Product code, where size limits apply; tests may hold long tables of cases. */
const PRODUCT = ['core', 'functions', 'lib', 'dashboards', 'simulation', 'scenarios', 'tools', 'bin'].map((folder) => `${folder}/**/*.ts`);

/**
 * Short functions and files: about a screen per function, a few hundred lines per module. Blank
 * lines and comments do not count, so explaining why never costs room.
 */
const sizeLimits = (maxFunction, maxFile) => ({
  'max-lines-per-function': ['error', { max: maxFunction, skipBlankLines: true, skipComments: true }],
  'max-lines': ['error', { max: maxFile, skipBlankLines: true, skipComments: true }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...layerBlocks(),
  { files: PRODUCT, rules: sizeLimits(60, 300) },
  prettier,
);
