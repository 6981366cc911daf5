import { describe, expect, it } from 'vitest';
import { placeholderValues, rewritePlaceholders } from './postgres-placeholders';

describe('rewritePlaceholders', () => {
  it('numbers positional parameters in order', () => {
    expect(rewritePlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
      positional: 3,
      names: [],
    });
  });

  it('gives a named parameter used twice one number', () => {
    const r = rewritePlaceholders('UPDATE t SET a = @value, b = @other WHERE c = @value');
    expect(r.text).toBe('UPDATE t SET a = $1, b = $2 WHERE c = $1');
    expect(r.names).toEqual(['value', 'other']);
  });

  it('leaves string literals, quoted identifiers, comments and casts alone', () => {
    const sql = [
      "SELECT 'what? @no' AS \"why?\", 'it''s ?' , E'\\' ?' ,",
      '$$ ? @x $$, $tag$ ? $tag$, x::text, CAST(? AS INTEGER) -- ? @c',
      'FROM t /* ? /* nested ? */ @d */ WHERE a = ?',
    ].join('\n');
    const r = rewritePlaceholders(sql);
    expect(r.text).toBe(
      [
        "SELECT 'what? @no' AS \"why?\", 'it''s ?' , E'\\' ?' ,",
        '$$ ? @x $$, $tag$ ? $tag$, x::text, CAST($1 AS INTEGER) -- ? @c',
        'FROM t /* ? /* nested ? */ @d */ WHERE a = $2',
      ].join('\n'),
    );
    expect(r.positional).toBe(2);
  });

  it('does not take a standard string ending in a backslash for an escaped quote', () => {
    expect(rewritePlaceholders("SELECT 'a\\' = ?").text).toBe("SELECT 'a\\' = $1");
  });

  it('refuses a statement mixing ? and @name', () => {
    expect(() => rewritePlaceholders('SELECT ? , @a')).toThrow(/mélange/);
  });
});

describe('placeholderValues', () => {
  it('normalises values like SQLite: booleans 0/1, undefined NULL', () => {
    expect(placeholderValues(rewritePlaceholders('VALUES (?, ?, ?)'), [true, false, undefined])).toEqual([1, 0, null]);
    expect(placeholderValues(rewritePlaceholders('VALUES (@b, @a, @b)'), { a: 'x', b: undefined, unused: 1 })).toEqual([
      null,
      'x',
    ]);
  });

  it('refuses a missing named parameter or a wrong number of positional ones', () => {
    expect(() => placeholderValues(rewritePlaceholders('VALUES (@a)'), { b: 1 })).toThrow(/@a/);
    expect(() => placeholderValues(rewritePlaceholders('VALUES (?, ?)'), [1])).toThrow(/2 paramètre/);
  });
});
