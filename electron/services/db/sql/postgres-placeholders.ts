/**
 * Rewrites the common dialect's parameters (`?` positional, `@name` named) to PostgreSQL's `$n`, leaving string
 * literals ('…', E'…', $tag$…$tag$), quoted identifiers, comments and `::` casts alone. A named parameter used twice
 * keeps one number.
 */
import { sqlValue, type SqlParams } from './sql-database';

export interface RewrittenSql {
  readonly text: string;
  /** Positional: how many `?`. Named: the names, in the order of their numbers. */
  readonly positional: number;
  readonly names: readonly string[];
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;

export function rewritePlaceholders(sql: string): RewrittenSql {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'") {
      // E'…' strings take backslash escapes; standard strings only double their quotes.
      const escapes = i > 0 && /[Ee]/.test(sql[i - 1]!) && (i < 2 || !IDENTIFIER_PART.test(sql[i - 2]!));
      const end = endOfQuoted(sql, i, "'", escapes);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = endOfQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = endOfBlockComment(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && (i === 0 || !IDENTIFIER_PART.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close === -1 ? n : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else if (c === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (c === '?') {
      if (names.length > 0) throw mixed();
      positional++;
      out += `$${positional}`;
      i++;
    } else if (c === '@' && next !== undefined && IDENTIFIER_START.test(next)) {
      if (positional > 0) throw mixed();
      let j = i + 1;
      while (j < n && IDENTIFIER_PART.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, positional, names };
}

/** The values for a rewritten statement, normalised like SQLite's (booleans 0/1, undefined NULL). */
export function placeholderValues(rewritten: RewrittenSql, params: SqlParams | undefined): unknown[] {
  if (rewritten.names.length > 0) {
    if (params === undefined || Array.isArray(params)) {
      throw new Error('Instruction à paramètres nommés (@nom) appelée sans objet de paramètres.');
    }
    const named = params as Readonly<Record<string, unknown>>;
    return rewritten.names.map((name) => {
      if (!Object.prototype.hasOwnProperty.call(named, name)) throw new Error(`Paramètre @${name} manquant.`);
      return sqlValue(named[name]);
    });
  }
  const list = params === undefined ? [] : Array.isArray(params) ? (params as readonly unknown[]) : undefined;
  if (list === undefined) {
    if (rewritten.positional === 0) return [];
    throw new Error('Instruction à paramètres « ? » appelée avec un objet de paramètres.');
  }
  if (list.length !== rewritten.positional) {
    throw new Error(`Instruction à ${rewritten.positional} paramètre(s) appelée avec ${list.length} valeur(s).`);
  }
  return list.map(sqlValue);
}

function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** PostgreSQL block comments nest. */
function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function mixed(): Error {
  return new Error('Une instruction mélange paramètres « ? » et « @nom ».');
}
