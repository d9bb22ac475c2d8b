// A strict JSON parser for file headers and data sets (RFC 8259). Unlike JSON.parse it refuses
// duplicate object keys, reports the offset of the first error, and counts as it goes: nesting
// depth, values in the document and (optionally) the items of the containers at each depth are
// bounded while parsing (bindings/io/limits.ts), so a small document cannot build millions of
// objects before a check sees it. Work is linear in the text. Objects come back as
// null-prototype records (so a key "__proto__" is an ordinary key).
import { FormatError } from '../errors.js';
import { JSON_LIMITS, limitError } from './limits.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A bound on Σ (members or elements) over every container at one depth (the root is depth
 *  0): e.g. the steps of all sequences of a data set. */
export interface JsonItemBudget {
  max: number;
  /** What the items are, for the message ("time steps in total"). */
  what: string;
  /** The option that raises it ("maxSteps"). */
  limit: string;
  /** The number the message names, when it is not `max` (default `max`). */
  shown?: number;
}

export interface JsonParseOptions {
  /** Deepest nesting of arrays and objects accepted (default 64). */
  maxDepth?: number;
  /** Most values in the document, object keys included (default 10,000,000); a LimitError as
   *  soon as the count passes it. */
  maxValues?: number;
  /** The option named when maxValues is passed (default "maxValues"). */
  maxValuesLimit?: string;
  /** Per-depth budgets: items[d] bounds the members/elements of the containers at depth d. */
  items?: ReadonlyArray<JsonItemBudget | undefined>;
  /** Most elements of any one array (its `what` names them in the message). */
  maxArrayItems?: JsonItemBudget;
  /** Names the document in error messages, e.g. "safetensors header". */
  what?: string;
}

/** Parses `text` as one JSON value; trailing whitespace is allowed, anything else is not. */
export function parseJsonStrict(text: string, options: JsonParseOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? JSON_LIMITS.maxDepth;
  const maxValues = options.maxValues ?? JSON_LIMITS.maxValues;
  const what = options.what ?? 'JSON';
  const budgets = options.items ?? [];
  const counts = new Float64Array(budgets.length);
  let values = 0;
  let i = 0;

  /** Counts one more value (or key); a LimitError past maxValues. */
  const count = (): void => {
    if (++values > maxValues) throw limitError(what, 'values (object keys included)', maxValues, options.maxValuesLimit ?? 'maxValues');
  };
  /** Counts one more item of a container at `depth` against that depth's budget. */
  const item = (depth: number): void => {
    const b = depth < budgets.length ? budgets[depth] : undefined;
    if (b !== undefined && ++counts[depth] > b.max) throw limitError(what, b.what, b.shown ?? b.max, b.limit);
  };

  const fail = (msg: string): never => {
    throw new FormatError(`${what}: invalid JSON at character ${i}: ${msg}`);
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { out += text.slice(start, i); i++; return out; }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default: i -= 1; fail(`bad escape \\${e ?? ''}`);
        }
        start = i;
        continue;
      }
      i++;
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const parseNumber = (): number => {
    // fast path: a plain integer of at most 15 digits (exact in a double), e.g. a MIDI note
    let j = i, neg = false;
    if (text.charCodeAt(j) === 0x2d) { neg = true; j++; }
    const d0 = text.charCodeAt(j);
    if (d0 >= 0x31 && d0 <= 0x39 || d0 === 0x30) {
      let v = 0, k = j;
      for (; k < text.length && k - j < 16; k++) {
        const d = text.charCodeAt(k);
        if (d < 0x30 || d > 0x39) break;
        v = v * 10 + (d - 0x30);
      }
      const next = k < text.length ? text.charCodeAt(k) : -1;
      const digits = k - j;
      if (digits <= 15 && !(d0 === 0x30 && digits > 1) && next !== 0x2e && next !== 0x65 && next !== 0x45 && !(next >= 0x30 && next <= 0x39)) {
        i = k;
        return neg ? -v : v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || m[0].length === 0) fail('bad number');
    i += m![0].length;
    const v = Number(m![0]);
    if (!Number.isFinite(v)) fail(`number ${m![0].length > 40 ? `${m![0].slice(0, 20)}… (${m![0].length} characters)` : m![0]} is out of range`);
    return v;
  };

  const literal = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, i)) { i += word.length; return value; }
    return fail('unexpected character');
  };

  const parseValue = (depth: number): JsonValue => {
    ws();
    if (i >= text.length) fail('unexpected end of input');
    count();
    const code = text.charCodeAt(i);
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) return parseNumber();
    const c = text[i];
    if (c === '{') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      i++;
      const obj: { [key: string]: JsonValue } = Object.create(null);
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const keyAt = i;
        item(depth);
        count();
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(obj, key)) {
          i = keyAt;
          fail(`duplicate key ${JSON.stringify(key)} (each key may appear once; JSON.parse would keep the last)`);
        }
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[key] = parseValue(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      const cap = options.maxArrayItems;
      for (;;) {
        item(depth);
        if (cap !== undefined && arr.length >= cap.max) throw limitError(what, cap.what, cap.shown ?? cap.max, cap.limit);
        arr.push(parseValue(depth + 1));
        ws();
        const e = text.charCodeAt(i);
        if (e === 0x2c) { i++; continue; } // ','
        if (e === 0x5d) { i++; return arr; } // ']'
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    return fail('unexpected character');
  };

  const v = parseValue(0);
  ws();
  if (i !== text.length) fail('trailing characters after the value');
  return v;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
