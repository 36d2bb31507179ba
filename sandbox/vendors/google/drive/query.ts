import { GoogleError } from '../errors.js';
import type { DriveFile } from '../state.js';

type Predicate = (file: DriveFile) => boolean;

const invalidQuery = () =>
  new GoogleError(400, 'invalid', 'Invalid Value', { locationType: 'parameter', location: 'q' });

const TOKEN = /\s*(?:'((?:[^'\\]|\\.)*)'|(!=|<=|>=|=|<|>|\(|\)|\{|\})|([A-Za-z_][\w.]*)|(\S))/y;

function tokenize(q: string): Array<{ kind: 'string' | 'op' | 'word'; text: string }> {
  const tokens: Array<{ kind: 'string' | 'op' | 'word'; text: string }> = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < q.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(q);
    if (!match) {
      if (/^\s*$/.test(q.slice(start))) break;
      throw invalidQuery();
    }
    if (match[4] !== undefined) throw invalidQuery();
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: match[1].replace(/\\(.)/g, '$1') });
    else if (match[2] !== undefined) tokens.push({ kind: 'op', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'word', text: match[3] });
  }
  return tokens;
}

function compare(actual: string | number, op: string, expected: string | number): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    default:
      throw invalidQuery();
  }
}

/**
 * The subset of Drive's search syntax the sandbox understands: `name` (=, !=, contains), `mimeType` (=, !=,
 * contains), `fullText contains`, `'<id>' in parents`, `trashed`/`starred` = true|false, `createdTime` and
 * `modifiedTime` comparisons, `properties has { key='k' and value='v' }` and the same for `appProperties` [DOC:
 * Drive search terms], combined with and/or/not and parentheses. Anything else is 400 "Invalid Value".
 */
export function parseDriveQuery(q: string, rootId: string): Predicate {
  const tokens = tokenize(q);
  let position = 0;
  const peek = () => tokens[position];
  const take = () => {
    const token = tokens[position++];
    if (!token) throw invalidQuery();
    return token;
  };
  const word = (text: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === text;

  const takeExactly = (kind: 'op' | 'word', text: string) => {
    const token = take();
    if (token.kind !== kind || token.text.toLowerCase() !== text) throw invalidQuery();
  };
  /** `{ key='…' and value='…' }` after `properties has` / `appProperties has`. */
  const propertyClause = (field: 'properties' | 'appProperties'): Predicate => {
    takeExactly('op', '{');
    takeExactly('word', 'key');
    takeExactly('op', '=');
    const key = take();
    takeExactly('word', 'and');
    takeExactly('word', 'value');
    takeExactly('op', '=');
    const value = take();
    takeExactly('op', '}');
    if (key.kind !== 'string' || value.kind !== 'string') throw invalidQuery();
    return (file) => file[field]?.[key.text] === value.text;
  };

  const clause = (): Predicate => {
    const first = take();
    if (first.kind === 'string') {
      if (!word('in')) throw invalidQuery();
      position += 1;
      const collection = take();
      if (collection.kind !== 'word' || collection.text !== 'parents') throw invalidQuery();
      const parent = first.text === 'root' ? rootId : first.text;
      return (file) => file.parents.includes(parent);
    }
    if (first.kind !== 'word') throw invalidQuery();
    const field = first.text;
    if ((field === 'properties' || field === 'appProperties') && word('has')) {
      position += 1;
      return propertyClause(field);
    }
    const operator = take();
    const op = operator.kind === 'word' ? operator.text.toLowerCase() : operator.text;
    const value = take();
    if (field === 'trashed' || field === 'starred') {
      if (value.kind !== 'word' || !['true', 'false'].includes(value.text) || !['=', '!='].includes(op)) {
        throw invalidQuery();
      }
      return (file) => compare(String(file[field]), op, value.text);
    }
    if (value.kind !== 'string') throw invalidQuery();
    if (field === 'name' || field === 'mimeType' || field === 'fullText') {
      const read = (file: DriveFile) =>
        field === 'fullText'
          ? `${file.name} ${file.description ?? ''} ${file.content?.toString('utf8') ?? ''}`
          : file[field];
      if (op === 'contains') return (file) => read(file).toLowerCase().includes(value.text.toLowerCase());
      if (field === 'fullText' || !['=', '!='].includes(op)) throw invalidQuery();
      return (file) => compare(read(file), op, value.text);
    }
    if (field === 'createdTime' || field === 'modifiedTime') {
      const ms = Date.parse(value.text);
      if (Number.isNaN(ms)) throw invalidQuery();
      return (file) => compare(file[field], op, ms);
    }
    throw invalidQuery();
  };

  const unary = (): Predicate => {
    if (word('not')) {
      position += 1;
      const inner = unary();
      return (file) => !inner(file);
    }
    if (peek()?.text === '(' && peek()?.kind === 'op') {
      position += 1;
      const inner = or();
      if (take().text !== ')') throw invalidQuery();
      return inner;
    }
    return clause();
  };
  const and = (): Predicate => {
    const parts = [unary()];
    while (word('and')) {
      position += 1;
      parts.push(unary());
    }
    return (file) => parts.every((part) => part(file));
  };
  const or = (): Predicate => {
    const parts = [and()];
    while (word('or')) {
      position += 1;
      parts.push(and());
    }
    return (file) => parts.some((part) => part(file));
  };

  if (tokens.length === 0) return () => true;
  const predicate = or();
  if (position !== tokens.length) throw invalidQuery();
  return predicate;
}
