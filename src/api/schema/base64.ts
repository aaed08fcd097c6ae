// Where Go's base64.StdEncoding.Decode gives up on a string, for its error "illegal base64 data at input byte N"
// (the decoder's message for a bad []byte field such as Secret.data). Go skips \r and \n, wants '=' padding
// to complete the last quantum, and reports the byte offset of the first thing it cannot take.

const isAlphabet = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 /* + */ || c === 47; /* / */
const isNewline = (c: number | undefined) => c === 10 || c === 13;
const PAD = 61; // '='

/** The offset Go reports for a string that is not standard padded base64, or undefined when it decodes. */
export function base64ErrorAt(s: string): number | undefined {
  const src = Buffer.from(s, 'utf8');
  const n = src.length;
  let si = 0;
  while (si < n) {
    // One quantum of four symbols, as Go's decodeQuantum reads it.
    for (let j = 0; j < 4; j++) {
      if (si === n) return j === 0 ? undefined : si - j;
      const c = src[si++]!;
      if (isAlphabet(c)) continue;
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== PAD || j < 2) return si - 1;
      if (j === 2) {
        // "==" expected: the second '=' may follow newlines.
        while (si < n && isNewline(src[si])) si++;
        if (si === n) return n;
        if (src[si] !== PAD) return si - 1;
        si++;
      }
      while (si < n && isNewline(src[si])) si++;
      return si < n ? si : undefined;
    }
  }
  return undefined;
}
