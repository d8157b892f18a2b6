/**
 * Finds the RegExp features Espruino 2v29 gets wrong. Espruino's regex engine (src/jsregex.c) supports
 * `. [] [^] \d\D\w\W\s\S\t\n\r\xHH ^ $ ( ) | * +` and flags g, i. It silently never matches `?`,
 * `{n,m}`, lazy quantifiers, lookaround, `(?:)` and named groups; `\b` means backspace; backreferences
 * throw; quantifiers apply to single characters only; flags m, y, u are ignored and `s` is a syntax
 * error (https://github.com/espruino/Espruino/issues/1257, reference/espruino.md).
 */

export interface RegexProblem {
  /** Short feature name shown to the user. */
  feature: string;
  /** Index in the pattern source (or -1 for a flag). */
  index: number;
}

const OK_FLAGS = 'gi';

export function scanRegExp(pattern: string, flags: string): RegexProblem[] {
  const out: RegexProblem[] = [];
  for (const f of flags) {
    if (!OK_FLAGS.includes(f)) out.push({ feature: `the '${f}' flag`, index: -1 });
  }
  let i = 0;
  // Whether the previous token is something a quantifier may follow, and whether it was a group.
  let prev: 'none' | 'atom' | 'group' = 'none';
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (n === 'b' || n === 'B') out.push({ feature: `\\${n} (word boundary; Espruino reads \\b as backspace)`, index: i });
      else if (n >= '1' && n <= '9') out.push({ feature: `backreference \\${n}`, index: i });
      else if (n === 'k' && pattern[i + 2] === '<') out.push({ feature: 'named backreference \\k<…>', index: i });
      else if ((n === 'p' || n === 'P') && pattern[i + 2] === '{') out.push({ feature: `unicode property \\${n}{…}`, index: i });
      else if (n === 'u' && pattern[i + 2] === '{') out.push({ feature: 'code point escape \\u{…}', index: i });
      i += n === 'x' ? 4 : n === 'u' ? 6 : 2;
      prev = 'atom';
      continue;
    }
    if (c === '[') {
      // Character class: runs to the first unescaped ']' (a ']' right after '[' or '[^' is literal).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j + 1;
      prev = 'atom';
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const kind = pattern.slice(i + 2, i + 4);
        let feature = 'group modifier (?…)';
        if (kind[0] === ':') feature = 'non-capturing group (?:…)';
        else if (kind[0] === '=' || kind[0] === '!') feature = 'lookahead (?=…) / (?!…)';
        else if (kind === '<=' || kind === '<!') feature = 'lookbehind (?<=…) / (?<!…)';
        else if (kind[0] === '<') feature = 'named group (?<name>…)';
        out.push({ feature, index: i });
      }
      i++;
      prev = 'none';
      continue;
    }
    if (c === ')') {
      i++;
      prev = 'group';
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (c === '?' && prev !== 'none') out.push({ feature: "'?' quantifier (optional)", index: i });
      else if (prev === 'group') out.push({ feature: `'${c}' after a group (quantifiers apply to single characters only)`, index: i });
      if (pattern[i + 1] === '?' && c !== '?') {
        out.push({ feature: `lazy quantifier ${c}?`, index: i });
        i++;
      }
      i++;
      prev = 'none';
      continue;
    }
    if (c === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (m) {
        out.push({ feature: `counted quantifier ${m[0]}`, index: i });
        i += m[0].length;
        if (pattern[i] === '?') i++;
        prev = 'none';
        continue;
      }
    }
    i++;
    prev = c === '|' || c === '^' ? 'none' : 'atom';
  }
  return out;
}
