// $(VAR) expansion in command, args and env values, as Kubernetes does it: $(VAR) is replaced when VAR is known,
// left as written when not; $$ escapes a dollar, so $$(VAR) gives the literal "$(VAR)".

export function expandVars(s: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[i + 1];
    if (n === '$') {
      out += '$';
      i++;
    } else if (n === '(') {
      const end = s.indexOf(')', i + 2);
      if (end < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, end);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}
