import { InvalidInputError } from '../../model/errors.js';

/**
 * JSON.parse with an error that says where: V8's own message names a position for some mistakes ("… in JSON at
 * position 6") and not for others ("Unexpected token '}', … is not valid JSON"), so on failure the text is
 * scanned once more to find the offset, and the message names the line and column (what an editor shows).
 * `where` prefixes the message (e.g. "line 3: ").
 */
export function parseJson(text: string, where = ''): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = syntaxErrorOffset(text);
    const reason = (err as Error).message.replace(/ in JSON at position \d+.*$/s, '').replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
    const { line, column } = lineColumn(text, offset);
    const at = where === '' ? `line ${line}, column ${column}` : `column ${column}`;
    throw new InvalidInputError(`${where}invalid JSON at ${at} (character ${offset}): ${reason}`);
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The offset of the first character that makes `text` invalid JSON (text.length when it ends too early). */
export function syntaxErrorOffset(text: string): number {
  let p = 0;
  const fail = (): never => {
    throw p;
  };
  const ws = (): void => {
    while (p < text.length && WS.has(text.charCodeAt(p))) p++;
  };
  const literal = (word: string): void => {
    for (let i = 0; i < word.length; i++, p++) if (text[p] !== word[i]) fail();
  };
  const string = (): void => {
    p++; // the opening quote
    for (;;) {
      if (p >= text.length) fail();
      const c = text.charCodeAt(p);
      if (c === 0x22) return void p++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        p++;
        const e = text[p];
        if (e === 'u') {
          for (let i = 1; i <= 4; i++) if (!/[0-9a-fA-F]/.test(text[p + i] ?? '')) ((p += i), fail());
          p += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) p++;
        else fail();
      } else p++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(p, p + 400));
    if (!m) {
      if (text[p] === '-') p++; // "-" then no digit: the character after the sign is what is wrong
      fail();
    }
    p += m![0].length;
  };
  const value = (depth: number): void => {
    ws();
    const c = text[p];
    if (c === '{') {
      p++;
      ws();
      if (text[p] === '}') return void p++;
      for (;;) {
        ws();
        if (text[p] !== '"') fail();
        string();
        ws();
        if (text[p] !== ':') fail();
        p++;
        value(depth + 1);
        ws();
        if (text[p] === ',') p++;
        else if (text[p] === '}') return void p++;
        else fail();
      }
    } else if (c === '[') {
      p++;
      ws();
      if (text[p] === ']') return void p++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[p] === ',') p++;
        else if (text[p] === ']') return void p++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail();
  };
  try {
    value(0);
    ws();
    if (p < text.length) fail();
    return text.length;
  } catch (at) {
    // A nesting too deep for this scanner's stack: the offset reached is the best it can say.
    return typeof at === 'number' ? at : p;
  }
}
