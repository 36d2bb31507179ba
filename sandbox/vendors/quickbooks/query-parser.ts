import { faults } from './errors.js';

/** A literal of the QBO query language: 'text', a number, or a bare word (true, false). */
export type Literal = string | number | boolean;

export interface Condition {
  field: string;
  operator: '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';
  value: Literal | Literal[];
}

export interface Statement {
  /** `*`, `count(*)`, or a list of property names. */
  select: '*' | 'count' | string[];
  entity: string;
  where: Condition[];
  orderBy: Array<{ field: string; descending: boolean }>;
  /** 1-based. */
  startPosition: number;
  maxResults: number | null;
}

type Token = { kind: 'word' | 'string' | 'number' | 'symbol'; text: string; at: number };

const TOKEN = /\s*(?:('(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w.]*)|(<=|>=|!=|<>|[=<>(),*]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw faults.queryParse(`Encountered " ${text.slice(at).trim().slice(0, 20)} " at column ${at + 1}`);
    if (match[1] !== undefined)
      tokens.push({ kind: 'string', text: match[1].slice(1, -1).replace(/\\(.)/g, '$1'), at });
    else if (match[2] !== undefined) tokens.push({ kind: 'number', text: match[2], at });
    else if (match[3] !== undefined) tokens.push({ kind: 'word', text: match[3], at });
    else tokens.push({ kind: 'symbol', text: match[4]!, at });
  }
  return tokens;
}

/** Reads QBO's SQL-like query statements; keywords and entity names are case-insensitive. */
class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw faults.queryParse('Encountered "<EOF>"');
    return token;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  private expectWord(word: string): void {
    const token = this.next();
    if (token.kind !== 'word' || token.text.toLowerCase() !== word) {
      throw faults.queryParse(`Encountered " ${token.text} " at column ${token.at + 1}, was expecting "${word}"`);
    }
  }

  private expectSymbol(symbol: string): void {
    const token = this.next();
    if (token.kind !== 'symbol' || token.text !== symbol) {
      throw faults.queryParse(`Encountered " ${token.text} " at column ${token.at + 1}, was expecting "${symbol}"`);
    }
  }

  private integer(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) {
      throw faults.queryParse(`Encountered " ${token.text} " at column ${token.at + 1}, was expecting an integer`);
    }
    return Number(token.text);
  }

  private literal(): Literal {
    const token = this.next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
    throw faults.queryParse(`Encountered " ${token.text} " at column ${token.at + 1}, was expecting a value`);
  }

  private condition(): Condition {
    const field = this.next();
    if (field.kind !== 'word') throw faults.queryParse(`Encountered " ${field.text} " at column ${field.at + 1}`);
    const op = this.next();
    const text = op.text.toUpperCase();
    if (text === 'IN') {
      this.expectSymbol('(');
      const values: Literal[] = [this.literal()];
      while (this.peek()?.text === ',') {
        this.next();
        values.push(this.literal());
      }
      this.expectSymbol(')');
      return { field: field.text, operator: 'IN', value: values };
    }
    const operators: Record<string, Condition['operator']> = {
      '=': '=',
      '!=': '!=',
      '<>': '!=',
      '<': '<',
      '>': '>',
      '<=': '<=',
      '>=': '>=',
      LIKE: 'LIKE',
    };
    const operator = operators[text];
    if (!operator)
      throw faults.queryParse(`Encountered " ${op.text} " at column ${op.at + 1}, was expecting an operator`);
    return { field: field.text, operator, value: this.literal() };
  }

  parse(): Statement {
    this.expectWord('select');
    let select: Statement['select'];
    if (this.peek()?.text === '*') {
      this.next();
      select = '*';
    } else if (this.isWord('count')) {
      this.next();
      this.expectSymbol('(');
      this.expectSymbol('*');
      this.expectSymbol(')');
      select = 'count';
    } else {
      select = [this.next().text];
      while (this.peek()?.text === ',') {
        this.next();
        select.push(this.next().text);
      }
    }
    this.expectWord('from');
    const entity = this.next();
    if (entity.kind !== 'word') throw faults.queryParse(`Encountered " ${entity.text} " at column ${entity.at + 1}`);
    const statement: Statement = {
      select,
      entity: entity.text,
      where: [],
      orderBy: [],
      startPosition: 1,
      maxResults: null,
    };
    if (this.isWord('where')) {
      this.next();
      statement.where.push(this.condition());
      while (this.isWord('and')) {
        this.next();
        statement.where.push(this.condition());
      }
    }
    while (this.peek()) {
      if (this.isWord('orderby') || this.isWord('order')) {
        if (this.next().text.toLowerCase() === 'order') this.expectWord('by');
        do {
          if (this.peek()?.text === ',') this.next();
          const field = this.next().text;
          let descending = false;
          if (this.isWord('asc') || this.isWord('desc')) descending = this.next().text.toLowerCase() === 'desc';
          statement.orderBy.push({ field, descending });
        } while (this.peek()?.text === ',');
      } else if (this.isWord('startposition')) {
        this.next();
        statement.startPosition = Math.max(1, this.integer());
      } else if (this.isWord('maxresults')) {
        this.next();
        statement.maxResults = this.integer();
      } else {
        const token = this.next();
        throw faults.queryParse(`Encountered " ${token.text} " at column ${token.at + 1}`);
      }
    }
    return statement;
  }
}

export function parseQuery(text: string): Statement {
  return new Parser(tokenize(text)).parse();
}
