/**
 * Compiles every fenced ```` ```ts ```` block of every TSDoc `@example` in the project's sources, so an example cannot
 * drift from the code it shows. `test/scripts/examples.test.ts` runs it under `npm test`.
 *
 * Each block becomes a virtual file beside its source file (relative imports resolve as they do there), compiled in
 * one program with the project's compiler options. What a block may take for granted:
 * - the names its own file exports by declaration (`export function …`, `export const …`, `export { … }`), as a
 *   reader of that file sees them;
 * - anything it imports itself (`import …` lines), the package's own name included (`webhook-ingestion/functions/events`);
 * - what it declares with `declare const name: Type;` lines, the convention for values a block assumes in scope
 *   (an `event`, a `store`): the reader sees what is assumed and its type, and the compiler checks the rest against it.
 *
 * Its other statements run inside an async function, so `await` and `return` read as they would in the caller the
 * example stands for. Blocks without a `ts` (or `typescript`) fence and one-line `@example`s are prose and not compiled.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** One fenced block of an `@example`: its code and where its first code line stands in its file (1-based). */
export interface ExampleBlock {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** A block that does not compile: where (file relative to the root, 1-based line) and what the compiler said. */
export interface ExampleProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const FENCE_OPEN = /^```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const TAG = /^@[a-zA-Z]+/;

/** The text of a JSDoc line without its leading ` * `. */
function commentLineText(line: string): string {
  return line.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/\s*$/, '');
}

/** The `/** … *\/` comments of a source file, found by the parser (so a `/**` inside a string is not one). */
function docComments(source: ts.SourceFile): ts.CommentRange[] {
  const seen = new Map<number, ts.CommentRange>();
  const text = source.getFullText();
  const visit = (node: ts.Node): void => {
    for (const range of ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []) {
      if (range.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith('/**', range.pos)) seen.set(range.pos, range);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/** The `ts` blocks of the `@example` tags of `source` (its doc comments only). */
export function exampleBlocksOf(source: ts.SourceFile): ExampleBlock[] {
  const text = source.getFullText();
  const blocks: ExampleBlock[] = [];
  for (const range of docComments(source)) {
    const firstLine = source.getLineAndCharacterOfPosition(range.pos).line + 1;
    const lines = text.slice(range.pos, range.end).split('\n').map(commentLineText);
    let inExample = false;
    let code: string[] | undefined;
    let start = 0;
    for (const [index, line] of lines.entries()) {
      const trimmed = line.trim();
      if (code && FENCE_CLOSE.test(trimmed)) {
        blocks.push({ file: source.fileName, line: start, code: code.join('\n') });
        code = undefined;
      } else if (code) code.push(line);
      else if (TAG.test(trimmed)) inExample = trimmed.startsWith('@example');
      else if (inExample && FENCE_OPEN.test(trimmed)) {
        code = [];
        start = firstLine + index + 1;
      }
    }
  }
  return blocks;
}

/** The names a file exports by declaration or by an `export { … }` list (not `export *`, not `default`). */
export function exportedNamesOf(source: ts.SourceFile): string[] {
  const names = new Set<string>();
  const exported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const isDefault = (node: ts.Node) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.add(element.name.text);
    } else if (exported(statement) && !isDefault(statement)) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
      } else if (
        (ts.isFunctionDeclaration(statement) ||
          ts.isClassDeclaration(statement) ||
          ts.isInterfaceDeclaration(statement) ||
          ts.isTypeAliasDeclaration(statement) ||
          ts.isEnumDeclaration(statement)) &&
        statement.name
      ) {
        names.add(statement.name.text);
      }
    }
  }
  return [...names];
}

/** A virtual file's text and, for each of its lines, the line of the source file it came from. */
interface VirtualFile {
  readonly fileName: string;
  readonly text: string;
  readonly sourceLines: readonly number[];
  readonly block: ExampleBlock;
}

/** Whether a block's statement belongs at the top of the module (imports, `declare`s, exports) rather than in the body. */
function atTopLevel(statement: ts.Statement): boolean {
  if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) || ts.isExportDeclaration(statement)) return true;
  const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
  return modifiers.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword || m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The names a top-level statement of a block introduces (so the file's own exports are not imported over them). */
function declaredNames(statement: ts.Statement): string[] {
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (!clause) return [];
    const names = clause.name ? [clause.name.text] : [];
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) names.push(...bindings.elements.map((element) => element.name.text));
    return names;
  }
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  const named = statement as ts.Statement & { name?: ts.Node };
  return named.name && ts.isIdentifier(named.name) ? [named.name.text] : [];
}

/** The virtual file of `block`, beside its source file, which exports `exports`. */
function virtualFileOf(block: ExampleBlock, exports: readonly string[], index: number): VirtualFile {
  const parsed = ts.createSourceFile('block.ts', block.code, ts.ScriptTarget.Latest, true);
  const codeLines = block.code.split('\n');
  const top = new Set<number>();
  const declared = new Set<string>();
  for (const statement of parsed.statements) {
    if (!atTopLevel(statement)) continue;
    const first = parsed.getLineAndCharacterOfPosition(statement.getStart(parsed)).line;
    const last = parsed.getLineAndCharacterOfPosition(statement.getEnd()).line;
    for (let line = first; line <= last; line++) top.add(line);
    for (const name of declaredNames(statement)) declared.add(name);
  }
  const base = path.basename(block.file, '.ts');
  const own = exports.filter((name) => !declared.has(name));
  const lines: string[] = [own.length > 0 ? `import { ${own.join(', ')} } from './${base}';` : 'export {};'];
  const sourceLines: number[] = [block.line];
  const add = (line: string, sourceLine: number) => {
    lines.push(line);
    sourceLines.push(sourceLine);
  };
  for (const [i, line] of codeLines.entries()) if (top.has(i)) add(line, block.line + i);
  add('async function __example() {', block.line);
  for (const [i, line] of codeLines.entries()) if (!top.has(i)) add(line, block.line + i);
  add('}', block.line + codeLines.length - 1);
  return {
    fileName: path.join(path.dirname(block.file), `${base}.example-${index}.ts`),
    text: `${lines.join('\n')}\n`,
    sourceLines,
    block,
  };
}

/** The project's compiler options and source files, from tsconfig.json. */
function projectOf(root: string): { options: ts.CompilerOptions; fileNames: string[] } {
  const configFile = path.join(root, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${configFile}`);
  const packageName = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string }).name;
  // The package's own name resolves to its root, so an example can import as a consumer of the package would.
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, paths: { ...config.options.paths, [`${packageName}/*`]: [`${root}/*`] } };
  return { options, fileNames: config.fileNames };
}

/**
 * Every `@example` ts block of the project under `root` that does not compile, with the file (relative to `root`)
 * and the line of the source file the compiler's complaint points at. Empty when every example compiles.
 *
 * `sources` (absolute file name → text) checks those files instead of the project's, as if they were on disk beside
 * the project's: how the checker's own tests try it on examples that exist nowhere.
 */
export function checkExamples(root: string = REPO_ROOT, sources?: ReadonlyMap<string, string>): ExampleProblem[] {
  const { options, fileNames } = projectOf(root);
  const parsed = new Map<string, ts.SourceFile>();
  const virtual = new Map<string, VirtualFile>();
  for (const fileName of sources ? sources.keys() : fileNames) {
    const text = sources?.get(fileName) ?? readFileSync(fileName, 'utf8');
    const source = ts.createSourceFile(fileName, text, options.target ?? ts.ScriptTarget.ES2022, true);
    parsed.set(path.resolve(fileName), source);
    const blocks = exampleBlocksOf(source);
    const exports = blocks.length > 0 ? exportedNamesOf(source) : [];
    for (const [index, block] of blocks.entries()) {
      const file = virtualFileOf(block, exports, index + 1);
      virtual.set(path.resolve(file.fileName), file);
    }
  }
  if (virtual.size === 0) return [];
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const key = path.resolve(fileName);
    const file = virtual.get(key);
    if (file) return ts.createSourceFile(fileName, file.text, languageVersion, true);
    return parsed.get(key) ?? getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => virtual.has(path.resolve(fileName)) || parsed.has(path.resolve(fileName)) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => virtual.get(path.resolve(fileName))?.text ?? parsed.get(path.resolve(fileName))?.text ?? readFile(fileName);
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const problems: ExampleProblem[] = [];
  for (const [fileName, file] of virtual) {
    const source = program.getSourceFile(fileName);
    if (!source) throw new Error(`the example program lost ${fileName}`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = diagnostic.start === undefined ? 0 : source.getLineAndCharacterOfPosition(diagnostic.start).line;
      problems.push({
        file: path.relative(root, file.block.file),
        line: file.sourceLines[line] ?? file.block.line,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
    }
  }
  return problems;
}

/** `file:line: message`, one problem a line. */
export function formatProblems(problems: readonly ExampleProblem[]): string {
  return problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`).join('\n');
}
