import path from 'node:path';
import { checkExamples, formatProblems, REPO_ROOT } from '../../scripts/check-examples';

/**
 * Files whose examples a parallel change owns (the store and the consumer): their blocks name clients they do not
 * import. Listed here so the rest of the repository is held to the check now; remove an entry once its file's
 * examples compile.
 */

/** Compiling the repository's examples is a type check of most of it: seconds, more on a loaded machine. */
const COMPILE_TIMEOUT_MS = 60_000;

/** A source file whose one export carries `code` as its `@example`. */
const withExample = (code: string, fence = '```ts') =>
  [
    `import { decimalOf } from './price';`,
    '',
    '/**',
    ' * Doubles an amount.',
    ' *',
    ' * @example',
    ` * ${fence}`,
    ...code.split('\n').map((line) => ` * ${line}`),
    ' * ```',
    ' */',
    'export function double(amount: number): string | undefined {',
    '  return decimalOf(amount * 2);',
    '}',
    '',
  ].join('\n');

/** Source files beside the providers' code that exist only in memory, so their examples resolve as theirs do. */
const FIXTURES: Readonly<Record<string, string>> = {
  valid: withExample(
    [
      "import { webhookRequest } from './common';",
      'declare const body: string;',
      'const price: string | undefined = double(Number(body)) ?? webhookRequest({ body }).method;',
      'await Promise.resolve(price);',
      'return price;',
    ].join('\n'),
  ),
  'wrong-types': withExample("const doubled: number = double(1);\ndouble('1');"),
  undeclared: withExample('double(amount);'),
  unresolved: withExample("import { nothing } from './no-such-module';\nnothing();"),
  prose: withExample('double(amount) // anything', '```text'),
  'one-line': '/** @example double(amount) */\nexport const x = 1;\n',
};

const fixturePath = (name: string) => path.join(REPO_ROOT, 'functions/providers', `example-fixture-${name}.ts`);

describe('the @example blocks of the repository', () => {
  it(
    'all compile against the code they show',
    () => {
      const problems = checkExamples();
      expect(formatProblems(problems)).toBe('');
    },
    COMPILE_TIMEOUT_MS,
  );
});

describe('checkExamples', () => {
  /** Each fixture's problems as `line: message`, from one program for all of them. */
  let problems: Record<string, string[]>;
  beforeAll(() => {
    const found = checkExamples(REPO_ROOT, new Map(Object.entries(FIXTURES).map(([name, text]) => [fixturePath(name), text])));
    problems = Object.fromEntries(Object.keys(FIXTURES).map((name) => [name, [] as string[]]));
    for (const problem of found)
      problems[path.basename(problem.file, '.ts').replace('example-fixture-', '')].push(`${problem.line}: ${problem.message}`);
  }, COMPILE_TIMEOUT_MS);

  it('passes a block that uses its file’s exports, its own imports and what it declares, with await and return', () => {
    expect(problems.valid).toEqual([]);
  });

  it('names the line of the source file where a block does not type-check', () => {
    expect(problems['wrong-types']).toEqual([
      "8: Type 'string | undefined' is not assignable to type 'number'.\n  Type 'undefined' is not assignable to type 'number'.",
      "9: Argument of type 'string' is not assignable to parameter of type 'number'.",
    ]);
  });

  it('refuses a name the block neither imports nor declares', () => {
    expect(problems.undeclared).toEqual(["8: Cannot find name 'amount'."]);
  });

  it('refuses an import that does not resolve beside the source file', () => {
    expect(problems.unresolved).toEqual(["8: Cannot find module './no-such-module' or its corresponding type declarations."]);
  });

  it('leaves prose blocks and one-line examples alone', () => {
    expect({ prose: problems.prose, oneLine: problems['one-line'] }).toEqual({ prose: [], oneLine: [] });
  });
});
