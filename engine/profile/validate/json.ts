/**
 * The JSON text of a profile file: parsed, or refused with a `ProfileError` that says where
 * (line and column) and whether the file is truncated or corrupted.
 */
import { PROFILE_FORMAT } from '../format.js';
import { fail } from './error.js';

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, pos: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${pos - last}`;
}

/**
 * Where JSON text stops being valid: the offset of the first character that cannot continue
 * it, or `text.length` when the text ends before the value is complete (a truncated file).
 * Only called once JSON.parse has failed, to say where and why.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const bad = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    for (const ch of word) {
      if (i >= n) bad();
      if (text[i] !== ch) bad();
      i++;
    }
  };
  const str = () => {
    i++; // opening quote
    while (true) {
      if (i >= n) bad();
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) bad();
      if (c === 92) {
        i++;
        if (i >= n) bad();
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= n) {
              i = n;
              bad();
            }
            if (!/[0-9a-fA-F]/.test(text[i + k]!)) bad();
          }
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i]!)) i++;
        else bad();
      } else i++;
    }
  };
  const num = () => {
    let j = i;
    while (j < n && '0123456789+-.eE'.includes(text[j]!)) j++;
    if (j >= n) {
      i = n; // number characters up to the end: a number cut short
      bad();
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, j));
    if (!m) bad();
    i += m![0].length;
  };
  /** An object or array from its opening bracket: members separated by commas up to `close`. */
  const container = (close: string, member: () => void): void => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    while (true) {
      member();
      ws();
      if (i >= n) bad();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else bad();
    }
  };
  const property = (): void => {
    ws();
    if (i >= n || text[i] !== '"') bad();
    str();
    ws();
    if (i >= n || text[i] !== ':') bad();
    i++;
    value();
  };
  const value = (): void => {
    ws();
    if (i >= n) bad();
    const c = text[i];
    if (c === '{') return container('}', property);
    if (c === '[') return container(']', value);
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    return num();
  };
  try {
    value();
    ws();
    return i;
  } catch (at) {
    if (typeof at !== 'number') throw at;
    return at;
  }
}

/** Parses the text of a profile file as JSON, refusing an empty, truncated or corrupted file. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') fail('$', `a ${PROFILE_FORMAT} JSON object`, null, 'an empty file');
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    if (at >= text.length) {
      fail('$', 'complete JSON', null, `a file that stops after ${text.length} characters (${lineColumn(text, text.length)}) in the middle of a value: the file is truncated`);
    }
    const near = JSON.stringify(text.slice(Math.max(0, at - 20), at + 20));
    fail('$', 'valid JSON', null, `a syntax error at ${lineColumn(text, at)} near ${near} (${(e as Error).message.split('\n')[0]!.slice(0, 80)}): the file is corrupted`);
  }
}
