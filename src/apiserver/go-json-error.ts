// The error Go's encoding/json gives for malformed JSON (its scanner's wording: "invalid character 'x' looking
// for beginning of value", "unexpected end of JSON input"...), because Kubernetes puts that text in the 400 it
// answers and clients show it. A byte-level recursive scan over the same grammar; undefined when valid.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const HEX = /^[0-9a-fA-F]$/;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Go's quoteChar: a byte shown as a single-quoted Go character literal. */
export function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // The byte is read as the rune of the same value (Latin-1); Go escapes the unprintable ones.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

class Syntax extends Error {}

export function goJsonSyntaxError(data: Uint8Array): string | undefined {
  let i = 0;
  const eof = () => new Syntax('unexpected end of JSON input');
  const bad = (context: string) => new Syntax(`invalid character ${quoteChar(data[i]!)} ${context}`);
  const skipWs = () => {
    while (i < data.length && WS.has(data[i]!)) i++;
  };
  const peek = () => {
    if (i >= data.length) throw eof();
    return data[i]!;
  };

  function literal(word: string): void {
    i++;
    for (let k = 1; k < word.length; k++) {
      if (peek() !== word.charCodeAt(k)) throw bad(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(k))})`);
      i++;
    }
  }

  function string(): void {
    i++; // opening quote
    for (;;) {
      const c = peek();
      if (c === 0x22) return void i++;
      if (c < 0x20) throw bad('in string literal');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      i++;
      const e = peek();
      if ('"\\/bfnrt'.includes(String.fromCharCode(e))) {
        i++;
        continue;
      }
      if (e !== 0x75) throw bad('in string escape code');
      i++;
      for (let k = 0; k < 4; k++) {
        if (!HEX.test(String.fromCharCode(peek()))) throw bad('in \\u hexadecimal character escape');
        i++;
      }
    }
  }

  // Numbers end at the first byte that cannot continue them; the caller judges that byte.
  function number(): void {
    if (data[i] === 0x2d) {
      i++;
      if (!isDigit(peek())) throw bad('in numeric literal');
    }
    if (peek() === 0x30) i++;
    else while (i < data.length && isDigit(data[i]!)) i++;
    if (i < data.length && data[i] === 0x2e) {
      i++;
      if (!isDigit(peek())) throw bad('after decimal point in numeric literal');
      while (i < data.length && isDigit(data[i]!)) i++;
    }
    if (i < data.length && (data[i] === 0x65 || data[i] === 0x45)) {
      i++;
      if (peek() === 0x2b || peek() === 0x2d) i++;
      if (!isDigit(peek())) throw bad('in exponent of numeric literal');
      while (i < data.length && isDigit(data[i]!)) i++;
    }
  }

  function value(): void {
    skipWs();
    const c = peek();
    if (c === 0x7b) return object();
    if (c === 0x5b) return array();
    if (c === 0x22) return string();
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) return literal('true');
    if (c === 0x66) return literal('false');
    if (c === 0x6e) return literal('null');
    throw bad('looking for beginning of value');
  }

  function object(): void {
    i++;
    skipWs();
    if (peek() === 0x7d) return void i++;
    for (;;) {
      skipWs();
      if (peek() !== 0x22) throw bad('looking for beginning of object key string');
      string();
      skipWs();
      if (peek() !== 0x3a) throw bad('after object key');
      i++;
      value();
      skipWs();
      const c = peek();
      if (c === 0x7d) return void i++;
      if (c !== 0x2c) throw bad('after object key:value pair');
      i++;
    }
  }

  function array(): void {
    i++;
    skipWs();
    if (peek() === 0x5d) return void i++;
    for (;;) {
      value();
      skipWs();
      const c = peek();
      if (c === 0x5d) return void i++;
      if (c !== 0x2c) throw bad('after array element');
      i++;
    }
  }

  try {
    value();
    skipWs();
    if (i < data.length) throw bad('after top-level value');
    return undefined;
  } catch (e) {
    if (e instanceof Syntax) return e.message;
    throw e;
  }
}

/** Kubernetes' summarizeData: a JSON object's first bytes as text, anything else in hex. */
export function summarizeBody(data: Uint8Array, max = 30): string {
  if (data.length === 0) return '<empty>';
  const head = Buffer.from(data.subarray(0, max));
  const shown = data[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return data.length > max ? `${shown} ...` : shown;
}

/** Go's message for JSON that is well-formed but not an object, decoded into Kubernetes' apiVersion/kind probe. */
export function goTypeMismatch(v: unknown): string | undefined {
  const what = Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : undefined;
  if (!what) return undefined;
  return `json: cannot unmarshal ${what} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;
}
