import { GoogleError } from '../errors.js';

/** A parsed `fields` selector: `nextPageToken,files(id,name)` → { nextPageToken: true, files: { id, name } }. */
export type FieldTree = { [name: string]: FieldTree | true };

const invalid = (text: string) =>
  new GoogleError(400, 'invalidParameter', `Invalid field selection ${text}`, {
    locationType: 'parameter',
    location: 'fields',
  });

/** Parses Google's partial-response syntax: commas, nested parentheses, and `a/b` paths. */
export function parseFields(text: string): FieldTree {
  let position = 0;
  const parseList = (): FieldTree => {
    const tree: FieldTree = {};
    for (;;) {
      const match = /^\s*([\w*]+(?:\/[\w*]+)*)\s*/.exec(text.slice(position));
      if (!match) throw invalid(text);
      position += match[0].length;
      const path = match[1]!.split('/');
      let sub: FieldTree | true = true;
      if (text[position] === '(') {
        position += 1;
        sub = parseList();
        if (text[position] !== ')') throw invalid(text);
        position += 1;
      }
      let node = tree;
      for (const [index, name] of path.entries()) {
        if (index === path.length - 1) {
          const existing = node[name];
          node[name] = existing && existing !== true && sub !== true ? { ...existing, ...sub } : sub;
        } else {
          const next = node[name];
          node = next && next !== true ? next : (node[name] = {});
        }
      }
      while (text[position] === ' ') position += 1;
      if (text[position] !== ',') return tree;
      position += 1;
    }
  };
  const tree = parseList();
  if (position < text.length) throw invalid(text);
  return tree;
}

/** Keeps only the selected fields (arrays are selected element by element). */
export function pick(value: unknown, tree: FieldTree | true): unknown {
  if (tree === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => pick(item, tree));
  if (tree['*'] === true) return value;
  const out: Record<string, unknown> = {};
  for (const [name, sub] of Object.entries(tree)) {
    const field = (value as Record<string, unknown>)[name];
    if (field !== undefined) out[name] = pick(field, sub);
  }
  return out;
}

/** Rejects selections of fields a resource does not have. */
export function checkKnown(tree: FieldTree | true | undefined, known: readonly string[], label: string): void {
  if (!tree || tree === true) return;
  for (const name of Object.keys(tree)) if (name !== '*' && !known.includes(name)) throw invalid(`${label}${name}`);
}
