/**
 * The TF.js rewrite's edits: the inner gradient's callee becomes the helper of the same shape
 * (`tf.grad` -> gradWithLocalHvp, …), a loss that reads differentiated tensors of its enclosing
 * function is wrapped in `capturing(() => [t], (t) => loss)` so they become inputs of the op, and
 * the helper goes once after the imports (with a namespace import of TF.js when the file has none).
 */
import ts from 'typescript';
import type { TextEdit } from '../findings.js';
import type { LineIndex } from '../text.js';
import { TFJS_CAPTURING, TFJS_HELPERS, tfjsHelper } from './tfjs-helper.js';

export type ServedGradient = keyof typeof TFJS_HELPERS;

/** Where the helper goes, and the TF.js namespace it uses (bound by the file, or imported with it). */
export interface HelperPlace {
  offset: number;
  namespace: string;
  /** The import to add with the helper (`import * as tf from '…'`), when the file binds no namespace. */
  importLine?: string;
  typed: boolean;
}

/** Offset just after the leading imports, `require`s and directives (after a shebang or header at worst). */
function afterImports(source: ts.SourceFile): number {
  let offset = 0;
  for (const stmt of source.statements) {
    const isRequire = (e: ts.Expression | undefined): boolean => !!e && ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'require';
    const leading = ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt) ||
      (ts.isExpressionStatement(stmt) && (ts.isStringLiteral(stmt.expression) || isRequire(stmt.expression))) ||
      (ts.isVariableStatement(stmt) && stmt.declarationList.declarations.every((d) => isRequire(d.initializer)));
    if (!leading) break;
    offset = stmt.getEnd();
  }
  return offset;
}

/**
 * `namespaces`: top-level names bound to a TF.js module (name -> module specifier); `modules`: every
 * TF.js module specifier the file uses. A package root (not a deep path) is preferred, as the helper
 * needs `engine`, `customGrad` and `valueAndGrads` from it.
 */
export function helperPlace(source: ts.SourceFile, namespaces: Map<string, string>, modules: string[], declared: (name: string) => boolean): HelperPlace {
  const typed = !/\.[cm]?jsx?$/.test(source.fileName);
  const offset = afterImports(source);
  const isRoot = (m: string) => /^@tensorflow\/tfjs(-core|-node|-node-gpu)?$/.test(m);
  const bound = [...namespaces].find(([, m]) => isRoot(m));
  if (bound) return { offset, namespace: bound[0], typed };
  const root = modules.map((m) => m.replace(/^(@tensorflow\/tfjs[\w-]*)\/.*$/, '$1'))[0] ?? '@tensorflow/tfjs';
  const namespace = declared('tf') ? 'tfjs' : 'tf';
  const esm = source.statements.some(ts.isImportDeclaration) || typed;
  const importLine = esm ? `import * as ${namespace} from '${root}';` : `const ${namespace} = require('${root}');`;
  return { offset, namespace, importLine, typed };
}

/** The helper (and its import) inserted once: identical edits from several sites are merged when applied. */
export function helperEdit(place: HelperPlace, lines: LineIndex): TextEdit {
  const body = tfjsHelper(place.namespace, place.typed);
  const text = place.importLine ? `${place.importLine}\n\n${body}` : body;
  const newText = place.offset === 0 ? `${text}\n\n` : `\n\n${text}\n`;
  return { range: lines.range(place.offset, place.offset), newText };
}

/** The call site's edits: the callee, and the `capturing(…)` wrapper when the loss reads differentiated tensors. */
export function siteEdits(call: ts.CallExpression, gradient: ServedGradient, captured: string[], lines: LineIndex): TextEdit[] {
  const edits: TextEdit[] = [{ range: lines.range(call.expression.getStart(), call.expression.getEnd()), newText: TFJS_HELPERS[gradient] }];
  if (captured.length > 0) {
    const loss = call.arguments[0];
    const names = captured.join(', ');
    edits.push(
      { range: lines.range(loss.getStart(), loss.getStart()), newText: `${TFJS_CAPTURING}(() => [${names}], (${names}) => ` },
      { range: lines.range(loss.getEnd(), loss.getEnd()), newText: ')' },
    );
  }
  return edits;
}
