/**
 * Whether an input line is complete enough to execute: Espruino's `jsiCountBracketsInInput()`
 * (src/jsinteractive.c, Espruino 2v29). It lexes the line and counts `{ [ (` minus `} ] )`:
 *
 *   - > 0: brackets are open → the REPL appends a newline and shows the `:` continuation prompt;
 *   - an unfinished string → 0 ("execute immediately so it can error");
 *   - an unfinished block comment or template literal → 1000 ("we're in the middle of something");
 *   - counting stops at the first closing bracket without an opener (the line executes and errors).
 *
 * Strings, template literals, comments and regular-expression literals are skipped so brackets inside
 * them do not count (Espruino's lexer returns them as single tokens).
 */

const REGEX_PRECEDERS = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else']);

export function countBrackets(input: string): number {
  let brackets = 0;
  let i = 0;
  const n = input.length;
  /** Last significant token: an operator character, or 'id'/'num'/'str'/')' style markers for "value". */
  let last = '';
  let lastWord = '';
  while (i < n) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && input[i + 1] === '/') {
      while (i < n && input[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && input[i + 1] === '*') {
      const end = input.indexOf('*/', i + 2);
      if (end < 0) return 1000;
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < n && input[i] !== c && input[i] !== '\n') i += input[i] === '\\' ? 2 : 1;
      if (i >= n || input[i] === '\n') return 0;
      i++;
      last = 'value';
      continue;
    }
    if (c === '`') {
      const end = skipTemplate(input, i + 1);
      if (end < 0) return 1000;
      i = end;
      last = 'value';
      continue;
    }
    if (c === '/') {
      const regexAllowed = last === '' || REGEX_PRECEDERS.has(last) || (last === 'word' && REGEX_KEYWORDS.has(lastWord));
      if (regexAllowed) {
        const end = skipRegex(input, i + 1);
        if (end < 0) return 0; // unterminated regex: let it execute and report the syntax error
        i = end;
        last = 'value';
        continue;
      }
      i++;
      last = '/';
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(input[j])) j++;
      lastWord = input.slice(i, j);
      last = 'word';
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(input[j])) j++;
      i = j;
      last = 'value';
      continue;
    }
    if (c === '{' || c === '[' || c === '(') brackets++;
    if (c === '}' || c === ']' || c === ')') {
      brackets--;
      if (brackets < 0) break;
    }
    last = c === ')' || c === ']' ? 'value' : c;
    i++;
  }
  return brackets;
}

/** Index after the closing backtick of a template literal starting at `i`, or -1 if unfinished. */
function skipTemplate(s: string, i: number): number {
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '`') return i + 1;
    else if (c === '$' && s[i + 1] === '{') {
      // Skip the substitution: nested braces, strings and templates.
      let depth = 1;
      i += 2;
      while (i < s.length && depth > 0) {
        const d = s[i];
        if (d === '{') depth++;
        else if (d === '}') depth--;
        else if (d === '`') {
          const e = skipTemplate(s, i + 1);
          if (e < 0) return -1;
          i = e;
          continue;
        } else if (d === '"' || d === "'") {
          i++;
          while (i < s.length && s[i] !== d) i += s[i] === '\\' ? 2 : 1;
        }
        i++;
      }
      if (depth > 0) return -1;
    } else i++;
  }
  return -1;
}

/** Index after a regex literal's flags (the opening `/` is before `i`), or -1 if the line ends first. */
function skipRegex(s: string, i: number): number {
  let inClass = false;
  while (i < s.length && s[i] !== '\n') {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '[') (inClass = true), i++;
    else if (c === ']') (inClass = false), i++;
    else if (c === '/' && !inClass) {
      i++;
      while (i < s.length && /[a-z]/i.test(s[i])) i++;
      return i;
    } else i++;
  }
  return -1;
}
