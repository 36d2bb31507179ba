/*
 * The part of the Email Activity query language (`GET /v3/messages?query=…`) the simulator understands. SendGrid's
 * Query Reference [DOC] writes conditions as `to_email="pat@example.com"`, custom args as
 * `unique_args['name']="value"` and times as `last_event_time BETWEEN TIMESTAMP "…" AND TIMESTAMP "…"`, joined with
 * AND and optionally parenthesised. Real SendGrid also has OR, NOT, IN, LIKE and more fields; a query using them
 * gets a 400 from the simulator, which says the sandbox does not support it rather than pretending to.
 */

/** One message row as the query sees it: field name → value. */
export interface QueryableMessage {
  fields: Readonly<Record<string, string>>;
  uniqueArgs: Readonly<Record<string, string>>;
  lastEventTime: number;
}

export type Condition = (message: QueryableMessage) => boolean;

export class QuerySyntaxError extends Error {}

/** Equality fields the simulator filters on; names from the Query Reference [DOC]. */
const EQUALITY_FIELDS = new Set(['msg_id', 'from_email', 'subject', 'to_email', 'status', 'template_id']);
/** Real fields the simulator does not filter on (a query using them is refused, not silently widened). */
const UNSUPPORTED_FIELDS = new Set([
  'asm_group_id',
  'api_key_id',
  'events',
  'originating_ip',
  'categories',
  'outbound_ip',
  'marketing_campaign_id',
  'marketing_campaign_name',
  'subuser',
  'teammate',
  'clicks',
  'opens',
]);

type Token =
  | { kind: 'word'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'symbol'; value: '=' | '(' | ')' | '[' | ']' };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < query.length) {
    const char = query[at]!;
    if (/\s/.test(char)) {
      at += 1;
    } else if ('=()[]'.includes(char)) {
      tokens.push({ kind: 'symbol', value: char as '=' | '(' | ')' | '[' | ']' });
      at += 1;
    } else if (char === '"' || char === "'") {
      let value = '';
      at += 1;
      while (at < query.length && query[at] !== char) {
        if (query[at] === '\\' && at + 1 < query.length) at += 1;
        value += query[at];
        at += 1;
      }
      if (at >= query.length) throw new QuerySyntaxError(`invalid syntax: unterminated string`);
      at += 1;
      tokens.push({ kind: 'string', value });
    } else {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(query.slice(at))?.[0];
      if (!word) throw new QuerySyntaxError(`invalid syntax: unexpected '${char}'`);
      tokens.push({ kind: 'word', value: word });
      at += word.length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    const condition = this.conjunction();
    if (this.position < this.tokens.length) throw this.unexpected();
    return condition;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (!token) throw new QuerySyntaxError('invalid syntax: the query ends too early');
    this.position += 1;
    return token;
  }

  private unexpected(): QuerySyntaxError {
    const token = this.peek();
    return new QuerySyntaxError(`invalid syntax: unexpected ${token ? `'${token.value}'` : 'end of query'}`);
  }

  private expect(kind: Token['kind'], value?: string): Token {
    const token = this.next();
    if (token.kind !== kind || (value !== undefined && token.value.toUpperCase() !== value)) {
      this.position -= 1;
      throw this.unexpected();
    }
    return token;
  }

  private isKeyword(value: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.value.toUpperCase() === value;
  }

  private conjunction(): Condition {
    const conditions = [this.term()];
    while (this.isKeyword('AND')) {
      this.position += 1;
      conditions.push(this.term());
    }
    return (message) => conditions.every((condition) => condition(message));
  }

  private term(): Condition {
    const token = this.peek();
    if (token?.kind === 'symbol' && token.value === '(') {
      this.position += 1;
      const inner = this.conjunction();
      this.expect('symbol', ')');
      return inner;
    }
    const field = this.expect('word').value;
    if (field === 'unique_args') return this.uniqueArg();
    if (field === 'last_event_time') return this.between();
    if (UNSUPPORTED_FIELDS.has(field)) {
      throw new QuerySyntaxError(`the sandbox does not support '${field}' in queries`);
    }
    if (!EQUALITY_FIELDS.has(field)) throw new QuerySyntaxError(`invalid syntax: '${field}' is not a known field`);
    this.expect('symbol', '=');
    const value = this.expect('string').value;
    return (message) => message.fields[field] === value;
  }

  private uniqueArg(): Condition {
    this.expect('symbol', '[');
    const name = this.expect('string').value;
    this.expect('symbol', ']');
    this.expect('symbol', '=');
    const value = this.expect('string').value;
    return (message) => message.uniqueArgs[name] === value;
  }

  /** `last_event_time BETWEEN TIMESTAMP "from" AND TIMESTAMP "to"`, both ends inclusive. */
  private between(): Condition {
    this.expect('word', 'BETWEEN');
    const from = this.timestamp();
    this.expect('word', 'AND');
    const to = this.timestamp();
    return (message) => message.lastEventTime >= from && message.lastEventTime <= to;
  }

  private timestamp(): number {
    this.expect('word', 'TIMESTAMP');
    const text = this.expect('string').value;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new QuerySyntaxError(`invalid syntax: "${text}" is not a timestamp`);
    return ms;
  }
}

/** The condition a query string stands for; throws QuerySyntaxError (→ 400) for anything outside the subset. */
export function parseActivityQuery(query: string): Condition {
  const tokens = tokenize(query);
  if (tokens.length === 0) return () => true;
  return new Parser(tokens).parse();
}
