import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10's bar for hand-written TypeScript: no file over 400 lines, no function over 60.
 * Files count tests too (a 400-line test file wants splitting as much as source does);
 * functions count source alone, since a test file's describe() callbacks are long by nature.
 * Hand-written: tracked .ts, not declarations, not the code generated from proto/.
 */
export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 60;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATED = /^packages\/common\/src\/proto\/gen\//;
const isTest = (file: string): boolean => file.endsWith('.test.ts');

const handWritten = execFileSync('git', ['ls-files', '-z', '--', '*.ts'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && !f.endsWith('.d.ts') && !GENERATED.test(f));

/** Lines as an editor numbers them: a final newline does not start another. */
export function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

type FunctionLike = ts.FunctionLikeDeclaration & { body: ts.Node };

/** What a reader would call the function: its own name, or the name it is bound to. */
function nameOf(fn: FunctionLike, file: ts.SourceFile): string {
  if (fn.name) return fn.name.getText(file);
  if (ts.isConstructorDeclaration(fn)) return `${classOf(fn, file)}.constructor`;
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(file);
  if (ts.isCallExpression(parent)) return `a function passed to ${parent.expression.getText(file).slice(0, 60)}()`;
  return 'an anonymous function';
}

function classOf(node: ts.Node, file: ts.SourceFile): string {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (ts.isClassLike(n) && n.name) return n.name.getText(file);
  return 'a class';
}

/** Every function, method, accessor, constructor and arrow with a body of more than `max` lines: "file:line name (n lines)". */
export function longFunctions(path: string, text: string, max = MAX_FUNCTION_LINES): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as FunctionLike;
      const first = file.getLineAndCharacterOfPosition(fn.body.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(fn.body.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) found.push(`${path}:${file.getLineAndCharacterOfPosition(fn.getStart(file)).line + 1} ${nameOf(fn, file)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('the size rule itself', () => {
  const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const a${i} = ${i};`).join('\n');

  it('names the file, the line and the function of a body over the limit, of every kind', () => {
    const text = [
      'export function short() {\n  return 1;\n}',
      `export function long() {\n${body(61)}\n}`,
      `class Engine {\n  constructor() {\n${body(62)}\n  }\n  run(): void {\n${body(60)}\n  }\n}`,
      `const handler = async () => {\n${body(70)}\n};`,
      `describe('x', function () {\n${body(61)}\n});`,
    ].join('\n');
    expect(longFunctions('a.ts', text)).toEqual([
      'a.ts:4 long (61 lines)',
      'a.ts:66 Engine.constructor (62 lines)',
      'a.ts:189 handler (70 lines)',
      'a.ts:259 a function passed to describe() (61 lines)',
    ]);
  });

  it('counts lines as an editor does', () => {
    expect([lineCount(''), lineCount('a'), lineCount('a\n'), lineCount('a\nb\n'), lineCount('a\n\n')]).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('hand-written TypeScript stays readable in one sitting (issue 10)', () => {
  it('finds the hand-written sources, and leaves out what is generated', () => {
    expect(handWritten).toContain('packages/scheduler/src/core/plan.ts');
    expect(handWritten).toContain('test/e2e/harness.ts');
    expect(handWritten.some((f) => GENERATED.test(f) || f.endsWith('.d.ts'))).toBe(false);
  });

  it(`has no file over ${MAX_FILE_LINES} lines, tests included`, () => {
    const long = handWritten
      .map((f) => ({ f, n: lineCount(readFileSync(join(root, f), 'utf8')) }))
      .filter(({ n }) => n > MAX_FILE_LINES)
      .map(({ f, n }) => `${f} (${n} lines)`);
    expect(long).toEqual([]);
  });

  it(`has no function, method or arrow over ${MAX_FUNCTION_LINES} lines outside tests`, () => {
    const long = handWritten.filter((f) => !isTest(f)).flatMap((f) => longFunctions(f, readFileSync(join(root, f), 'utf8')));
    expect(long).toEqual([]);
  });
});
