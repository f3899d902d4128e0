/**
 * Finds user-visible text written as a literal instead of a catalog key: JSX text, the visible
 * attributes (title, placeholder, aria-label, alt, label), strings a JSX child expression yields,
 * and sentences in the message-like properties and error builders of src/. A finding is a file,
 * line and the text. Technical strings (class names, test ids, codes) hold no space or letter
 * and are passed over; `detail` is IT's technical line and stays English.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface Finding {
  file: string;
  line: number;
  text: string;
}

const VISIBLE_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'aria-description', 'summary']);
const MESSAGE_PROPERTIES = new Set(['message', 'action', 'label', 'title', 'hint', 'reason', 'problem', 'text', 'headline', 'summary', 'description', 'note', 'warning']);
const ERROR_BUILDER = /^(userError|.*Error|invalid\w*|refuse\w*|fail\w*|problem\w*)$/i;
const LETTER = /[A-Za-zÄÖÜäöüß]/;
/** A sentence: letters and a space, or a word starting with a capital (a label like "Cancel"). */
const SENTENCE = /[A-Za-zÄÖÜäöüß]{2,}[^\n]*\s|^[A-ZÄÖÜ][a-zäöüß]+[.…:!?]?$/;

function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…');
  return null;
}

export function findLiterals(file: string): Finding[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const inRenderer = /(^|\/)renderer\//.test(file);
  const add = (node: ts.Node, text: string) => {
    findings.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: text.trim().slice(0, 80) });
  };
  const sentence = (text: string | null): text is string => text !== null && LETTER.test(text) && SENTENCE.test(text.trim());

  /** Strings an expression yields directly: `a ? 'x' : 'y'`, `a && 'x'`, `'x' + y`, `('x')`. */
  const yielded = (node: ts.Node, visit: (literal: ts.Node) => void) => {
    if (literalText(node) !== null) visit(node);
    else if (ts.isConditionalExpression(node)) {
      yielded(node.whenTrue, visit);
      yielded(node.whenFalse, visit);
    } else if (ts.isBinaryExpression(node)) {
      yielded(node.left, visit);
      yielded(node.right, visit);
    } else if (ts.isParenthesizedExpression(node)) yielded(node.expression, visit);
  };

  const walk = (node: ts.Node): void => {
    if (ts.isJsxText(node)) {
      const text = node.text.replace(/\s+/g, ' ').trim();
      if (LETTER.test(text)) add(node, text);
    } else if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText(source))) {
      const init = node.initializer;
      if (init && ts.isStringLiteral(init) && LETTER.test(init.text)) add(init, init.text);
      if (init && ts.isJsxExpression(init) && init.expression) yielded(init.expression, (l) => LETTER.test(literalText(l)!) && add(l, literalText(l)!));
    } else if (ts.isJsxExpression(node) && node.expression && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
      yielded(node.expression, (l) => sentence(literalText(l)) && add(l, literalText(l)!));
    } else if (ts.isPropertyAssignment(node) && MESSAGE_PROPERTIES.has(node.name.getText(source).replace(/['"]/g, ''))) {
      yielded(node.initializer, (l) => sentence(literalText(l)) && add(l, literalText(l)!));
    } else if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && !inRenderer) {
      const callee = ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : node.expression.getText(source);
      // `new Error(...)` is the technical detail, not a builder of what the user reads; nor is the app log (`log.error(...)`, IT's English).
      const isAppLog = ts.isPropertyAccessExpression(node.expression) && /^(log|this\.log|deps\.log)$/.test(node.expression.expression.getText(source));
      if (callee !== 'Error' && !isAppLog && ERROR_BUILDER.test(callee)) for (const arg of node.arguments ?? []) yielded(arg, (l) => sentence(literalText(l)) && add(l, literalText(l)!));
    }
    ts.forEachChild(node, walk);
  };
  walk(source);
  return findings;
}
