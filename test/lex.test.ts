import { describe, expect, it } from 'vitest';
import { eachRegion, splitStatements, type Region } from '../src/engine/lex.js';

/** Each region as [kind, its text] (the dollar quote's delimiter after it). */
function lexed(text: string, semicolons = false): string[][] {
  const out: string[][] = [];
  eachRegion(text, (kind, start, end, tag) => out.push(tag === undefined ? [kind, text.slice(start, end)] : [kind, text.slice(start, end), tag]), { semicolons });
  return out;
}

describe('eachRegion: PostgreSQL lexical regions, in order', () => {
  const cases: [name: string, text: string, semicolons: boolean, expected: [Region['kind'], string, string?][]][] = [
    ['quoted identifiers and a marker comment', 'ALTER TABLE "a" ADD "b" int;--> statement-breakpoint\n', false, [['identifier', '"a"'], ['identifier', '"b"'], ['line comment', '--> statement-breakpoint']]],
    ['semicolons when asked, none inside strings', "SELECT ';';SELECT 1;", true, [['string', "';'"], ['semicolon', ';'], ['semicolon', ';']]],
    ['doubled quotes and E-string escapes', "SELECT 'it''s', E'a\\'b', 'c\\'", false, [['string', "'it''s'"], ['string', "'a\\'b'"], ['string', "'c\\'"]]],
    ['nested block comments', 'SELECT /* a /* b */ c */ 1', false, [['block comment', '/* a /* b */ c */']]],
    ['dollar quotes with and without a tag; $1 and a$b are not', 'SELECT $$x;y$$, $f$ $$ $f$, $1, a$b', true, [['dollar', '$$x;y$$', '$$'], ['dollar', '$f$ $$ $f$', '$f$']]],
    ['an unclosed string runs to the end', "SELECT 'abc", false, [['string', "'abc"]]],
    ['a line comment stops before its newline', '-- one\nSELECT 2 -- two', false, [['line comment', '-- one'], ['line comment', '-- two']]],
  ];
  it.each(cases)('%s', (_name, text, semicolons, expected) => {
    expect(lexed(text, semicolons)).toEqual(expected);
  });

  it('between regions there is nothing that starts one (random texts of the characters that matter)', () => {
    // A seeded generator: the same texts every run.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = ['-', '-', '/', '*', "'", '"', '$', ';', 'a', 'e', 'E', '\\', '\n', ' ', '1'];
    for (let t = 0; t < 3000; t++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      for (const semicolons of [false, true]) {
        const regions: [number, number][] = [];
        eachRegion(text, (_kind, start, end) => regions.push([start, end]), { semicolons });
        let at = 0;
        for (const [start, end] of [...regions, [text.length, text.length]]) {
          const gap = text.slice(at, start);
          expect(gap, JSON.stringify({ text, semicolons, at, start })).not.toMatch(semicolons ? /--|\/\*|['";]/ : /--|\/\*|['"]/);
          expect(start).toBeGreaterThanOrEqual(at);
          at = end;
        }
      }
    }
  });

  it('splitStatements cuts after each top-level semicolon', () => {
    expect(splitStatements("SELECT ';'; SELECT $$;$$;\nSELECT 3")).toEqual([
      { start: 0, text: "SELECT ';';" },
      { start: 11, text: ' SELECT $$;$$;' },
      { start: 25, text: '\nSELECT 3' },
    ]);
  });
});
