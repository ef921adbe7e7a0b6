import { InvalidInputError } from '../../model/errors.js';

/** TraceQL tokens (grafana/tempo pkg/traceql/lexer.go's, for the subset we parse and the parts we name when refusing). */
export type Token =
  | { t: 'punct'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; text: string; pos: number }
  | { t: 'duration'; v: bigint; text: string; pos: number }
  /** A bare word: an intrinsic, a keyword (`error`, `server`, `true`), a function name (`count`, `select`). */
  | { t: 'ident'; v: string; pos: number }
  /** `resource.k`, `span.k`, `.k`, or another scope we refuse (`event.k`…), with the key as written. */
  | { t: 'attr'; scope: string; key: string; pos: number }
  | { t: 'eof'; pos: number };

/** Longest first. */
const PUNCT = ['!>>', '!<<', '&>>', '&<<', '&~', '!~', '=~', '!=', '>=', '<=', '&&', '||', '>>', '<<', '{', '}', '(', ')', '[', ']', ',', '=', '>', '<', '|', '~', '!', '+', '-', '*', '/', '%', '^'];

/** Characters that end an attribute name (Tempo's lexer: whitespace and the operator characters). */
const NAME_END = new Set([...' \t\r\n{}()[]=!<>&|~,"+*/%^']);

const UNITS: Record<string, bigint> = { ns: 1n, us: 1_000n, 'µs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

export function syntaxError(message: string, pos: number): InvalidInputError {
  return new InvalidInputError(`invalid TraceQL: ${message} at ${pos}`, 'q');
}

export function unsupported(what: string, pos: number): InvalidInputError {
  return new InvalidInputError(`unsupported TraceQL: ${what} at ${pos}`, 'q');
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const pos = i;
    if (c === '"' || c === '`') {
      const s = readString(text, i);
      out.push({ t: 'string', v: s.value, pos });
      i = s.end;
    } else if (isDigit(c) || (c === '-' && isDigit(text[i + 1] ?? '') && !valueBefore(out))) {
      const n = readNumber(text, i);
      out.push(n.token);
      i = n.end;
    } else if (c === '.' && i + 1 < text.length && (text[i + 1] === '"' || !NAME_END.has(text[i + 1]))) {
      const name = readName(text, i + 1);
      out.push({ t: 'attr', scope: '', key: name.value, pos });
      i = name.end;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_:]/.test(text[j])) j++;
      const word = text.slice(i, j);
      if (text[j] === '.' && /^[a-z]+$/.test(word)) {
        const name = readName(text, j + 1);
        out.push({ t: 'attr', scope: word, key: name.value, pos });
        i = name.end;
      } else {
        out.push({ t: 'ident', v: word, pos });
        i = j;
      }
    } else {
      const p = PUNCT.find((x) => text.startsWith(x, i));
      if (!p) throw syntaxError(`unexpected character ${JSON.stringify(c)}`, pos);
      out.push({ t: 'punct', v: p, pos });
      i += p.length;
    }
  }
  out.push({ t: 'eof', pos: text.length });
  return out;
}

/** After a value a `-` is subtraction, not a sign. */
function valueBefore(out: Token[]): boolean {
  const last = out[out.length - 1];
  return last !== undefined && (last.t !== 'punct' || last.v === ')' || last.v === ']');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let i = start + 1;
  let value = '';
  while (i < text.length && text[i] !== quote) {
    if (text[i] === '\\' && quote === '"') {
      const n = text[i + 1];
      if (n === undefined) break;
      value += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      i += 2;
    } else value += text[i++];
  }
  if (i >= text.length) throw syntaxError('unterminated string', start);
  return { value, end: i + 1 };
}

/** `12`, `-3.5`, `100ms`, `1h30m`, `1.5s`: a unit after the number makes it a duration (Go's ParseDuration units). */
function readNumber(text: string, start: number): { token: Token; end: number } {
  const m = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(start));
  const numText = m ? m[0] : text[start];
  let end = start + numText.length;
  if (!/[a-zµ]/.test(text[end] ?? '')) return { token: { t: 'number', v: Number(numText), text: numText, pos: start }, end };
  const d = /^-?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+/.exec(text.slice(start));
  if (!d || /[A-Za-z0-9_]/.test(text[start + d[0].length] ?? '')) throw syntaxError(`invalid duration ${JSON.stringify(wordAt(text, start))}`, start);
  end = start + d[0].length;
  let ns = 0n;
  for (const part of d[0].replace(/^-/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    const [whole, frac = ''] = part[1].split('.');
    const unit = UNITS[part[2]];
    ns += BigInt(whole || '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
  }
  if (d[0].startsWith('-')) ns = -ns;
  return { token: { t: 'duration', v: ns, text: d[0], pos: start }, end };
}

function wordAt(text: string, start: number): string {
  let j = start + 1;
  while (j < text.length && /[A-Za-z0-9_.µ]/.test(text[j])) j++;
  return text.slice(start, j);
}

/** An attribute name after its scope's dot: as written up to an operator or space, or quoted (`."a b"`). */
function readName(text: string, start: number): { value: string; end: number } {
  if (text[start] === '"') return readString(text, start);
  let j = start;
  while (j < text.length && !NAME_END.has(text[j])) j++;
  if (j === start) throw syntaxError('an attribute name is missing', start);
  return { value: text.slice(start, j), end: j };
}
