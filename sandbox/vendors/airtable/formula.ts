import { unprocessable } from './errors.js';
import { satisfiesComparison, type ComparisonOperator } from '../../core/comparison.js';

/*
 * A small interpreter for filterByFormula: field references, string/number literals, comparison and arithmetic
 * operators, `&`, and the functions sync code uses (AND/OR/NOT/IF, IS_AFTER/IS_BEFORE/IS_SAME,
 * LAST_MODIFIED_TIME(), CREATED_TIME(), RECORD_ID(), text helpers). Anything else is rejected with Airtable's
 * 422 INVALID_FILTER_BY_FORMULA rather than guessed at.
 */

export type Value = string | number | boolean | null;

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; name: string }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'negate'; operand: Node };

/** What a formula can see of one record. */
export interface FormulaRecord {
  cell(name: string): Value;
  id: string;
  createdTime: string;
  lastModifiedTime: string;
}

const invalid = (detail = 'Invalid formula. Please check your formula text.') =>
  unprocessable('INVALID_FILTER_BY_FORMULA', `The formula for filtering records is invalid: ${detail}`);

const ARITY: Record<string, [number, number]> = {
  AND: [1, Infinity],
  OR: [1, Infinity],
  NOT: [1, 1],
  IF: [2, 3],
  IS_AFTER: [2, 2],
  IS_BEFORE: [2, 2],
  IS_SAME: [2, 3],
  LAST_MODIFIED_TIME: [0, Infinity],
  CREATED_TIME: [0, 0],
  RECORD_ID: [0, 0],
  BLANK: [0, 0],
  TRUE: [0, 0],
  FALSE: [0, 0],
  NOW: [0, 0],
  DATETIME_PARSE: [1, 3],
  LOWER: [1, 1],
  UPPER: [1, 1],
  TRIM: [1, 1],
  LEN: [1, 1],
  FIND: [2, 3],
  SEARCH: [2, 3],
};

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|!=|<>|[=<>&+\-*/(),]))/y;

type Token = { type: 'num' | 'str' | 'field' | 'ident' | 'op'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(source);
    if (!match) throw invalid();
    const [, num, single, double, fieldName, ident, op] = match;
    if (num !== undefined) tokens.push({ type: 'num', text: num });
    else if (single !== undefined || double !== undefined)
      tokens.push({ type: 'str', text: (single ?? double)!.replace(/\\(.)/g, '$1') });
    else if (fieldName !== undefined) tokens.push({ type: 'field', text: fieldName });
    else if (ident !== undefined) tokens.push({ type: 'ident', text: ident.toUpperCase() });
    else tokens.push({ type: 'op', text: op! });
  }
  return tokens;
}

const LEVELS = [['=', '!=', '<>', '<', '>', '<=', '>='], ['&'], ['+', '-'], ['*', '/']];

/** Parses and checks a formula against the table's field names. */
export function parseFormula(source: string, fieldNames: readonly string[]): Node {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const expect = (text: string) => {
    if (peek()?.text !== text || peek()?.type !== 'op') throw invalid();
    at += 1;
  };
  const unknown = new Set<string>();

  const binary = (level: number): Node => {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    while (peek()?.type === 'op' && LEVELS[level]!.includes(peek()!.text)) {
      const op = tokens[at++]!.text;
      left = { kind: 'binary', op, left, right: binary(level + 1) };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek()?.type === 'op' && peek()!.text === '-') {
      at += 1;
      return { kind: 'negate', operand: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = tokens[at++];
    if (!token) throw invalid();
    if (token.type === 'num') return { kind: 'literal', value: Number(token.text) };
    if (token.type === 'str') return { kind: 'literal', value: token.text };
    if (token.type === 'field') {
      if (!fieldNames.includes(token.text)) unknown.add(token.text);
      return { kind: 'field', name: token.text };
    }
    if (token.type === 'op' && token.text === '(') {
      const inner = binary(0);
      expect(')');
      return inner;
    }
    if (token.type === 'ident') {
      const arity = ARITY[token.text];
      if (!arity) throw invalid(`Unknown function names: ${token.text}`);
      expect('(');
      const args: Node[] = [];
      if (peek()?.text !== ')') {
        args.push(binary(0));
        while (peek()?.type === 'op' && peek()!.text === ',') {
          at += 1;
          args.push(binary(0));
        }
      }
      expect(')');
      if (args.length < arity[0] || args.length > arity[1]) throw invalid();
      return { kind: 'call', name: token.text, args };
    }
    throw invalid();
  };

  const node = binary(0);
  if (at !== tokens.length) throw invalid();
  if (unknown.size > 0) throw invalid(`Unknown field names: ${[...unknown].join(', ')}`);
  return node;
}

const truthy = (value: Value) => value !== null && value !== '' && value !== 0 && value !== false;
const text = (value: Value) => (value === null ? '' : typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
const asNumber = (value: Value) => (value === null || value === '' ? 0 : Number(value));
const time = (value: Value) => (typeof value === 'string' && value !== '' ? Date.parse(value) : NaN);
const isNumeric = (value: Value) => typeof value === 'number' || typeof value === 'boolean';

const PRECISION: Record<string, number> = { year: 4, month: 7, day: 10, hour: 13, minute: 16, second: 19 };

function compare(op: string, left: Value, right: Value): boolean {
  let order: number;
  if (isNumeric(left) || isNumeric(right)) {
    order = asNumber(left) - asNumber(right);
  } else if (op !== '=' && op !== '!=' && op !== '<>' && !Number.isNaN(time(left)) && !Number.isNaN(time(right))) {
    order = time(left) - time(right);
  } else {
    const [a, b] = [text(left), text(right)];
    order = a === b ? 0 : a < b ? -1 : 1;
  }
  if (Number.isNaN(order)) return false;
  return satisfiesComparison(op as ComparisonOperator, order);
}

function call(name: string, args: Node[], record: FormulaRecord): Value {
  const arg = (index: number) => evaluate(args[index]!, record);
  switch (name) {
    case 'AND':
      return args.every((node) => truthy(evaluate(node, record)));
    case 'OR':
      return args.some((node) => truthy(evaluate(node, record)));
    case 'NOT':
      return !truthy(arg(0));
    case 'IF':
      return truthy(arg(0)) ? arg(1) : args.length > 2 ? arg(2) : null;
    case 'IS_AFTER':
    case 'IS_BEFORE': {
      const [a, b] = [time(arg(0)), time(arg(1))];
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return name === 'IS_AFTER' ? a > b : a < b;
    }
    case 'IS_SAME': {
      const [a, b] = [time(arg(0)), time(arg(1))];
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      const length = args.length > 2 ? PRECISION[text(arg(2)).toLowerCase()] : undefined;
      const [x, y] = [new Date(a).toISOString(), new Date(b).toISOString()];
      return length ? x.slice(0, length) === y.slice(0, length) : a === b;
    }
    case 'LAST_MODIFIED_TIME':
      return record.lastModifiedTime;
    case 'CREATED_TIME':
      return record.createdTime;
    case 'RECORD_ID':
      return record.id;
    case 'BLANK':
      return null;
    case 'TRUE':
      return true;
    case 'FALSE':
      return false;
    case 'NOW':
      return new Date().toISOString();
    case 'DATETIME_PARSE': {
      const parsed = time(arg(0));
      return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
    }
    case 'LOWER':
      return text(arg(0)).toLowerCase();
    case 'UPPER':
      return text(arg(0)).toUpperCase();
    case 'TRIM':
      return text(arg(0)).trim();
    case 'LEN':
      return text(arg(0)).length;
    case 'FIND':
    case 'SEARCH': {
      const [needle, haystack] = [text(arg(0)), text(arg(1))];
      const from = args.length > 2 ? Math.max(0, asNumber(arg(2)) - 1) : 0;
      const index =
        name === 'SEARCH' ? haystack.toLowerCase().indexOf(needle.toLowerCase(), from) : haystack.indexOf(needle, from);
      return index + 1;
    }
    default:
      throw invalid();
  }
}

function evaluate(node: Node, record: FormulaRecord): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'field':
      return record.cell(node.name);
    case 'negate':
      return -asNumber(evaluate(node.operand, record));
    case 'call':
      return call(node.name, node.args, record);
    case 'binary': {
      const [left, right] = [evaluate(node.left, record), evaluate(node.right, record)];
      if (node.op === '&') return text(left) + text(right);
      if (node.op === '+') return asNumber(left) + asNumber(right);
      if (node.op === '-') return asNumber(left) - asNumber(right);
      if (node.op === '*') return asNumber(left) * asNumber(right);
      if (node.op === '/') return asNumber(right) === 0 ? null : asNumber(left) / asNumber(right);
      return compare(node.op, left, right);
    }
  }
}

/** Whether a record passes the formula (Airtable keeps records whose formula value is truthy). */
export function matches(node: Node, record: FormulaRecord): boolean {
  return truthy(evaluate(node, record));
}

export type Formula = Node;
