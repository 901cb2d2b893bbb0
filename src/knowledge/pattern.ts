/**
 * A case-insensitive knowledge pattern. A leading negative look-behind (`(?<!not ...)core`) is split
 * off and checked only where the core matches: the same meaning as the original regular
 * expression, without V8 evaluating a long look-behind at every position of every message.
 */
export interface Pattern {
  readonly source: string;
  /** The first match whose guard allows it, or null. */
  exec(text: string): RegExpExecArray | null;
  /** Every match whose guard allows it. */
  matches(text: string): RegExpExecArray[];
}

export function compilePattern(source: string): Pattern {
  const guards: RegExp[] = [];
  let rest = source;
  for (let split = splitLeadingLookbehind(rest); split; split = splitLeadingLookbehind(rest)) {
    guards.push(new RegExp(`(?:${split.guard})$`, 'i'));
    rest = split.core;
  }
  const core = new RegExp(rest, 'gi');
  const allowed = (text: string, m: RegExpExecArray) => {
    if (guards.length === 0) return true;
    const before = text.slice(0, m.index);
    return !guards.some((guard) => guard.test(before));
  };
  const matches = (text: string): RegExpExecArray[] => {
    const out: RegExpExecArray[] = [];
    core.lastIndex = 0;
    for (let m = core.exec(text); m; m = core.exec(text)) {
      if (allowed(text, m)) out.push(m);
      if (m[0].length === 0) core.lastIndex++;
    }
    return out;
  };
  return {
    source,
    matches,
    exec(text) {
      core.lastIndex = 0;
      for (let m = core.exec(text); m; m = core.exec(text)) {
        if (allowed(text, m)) return m;
        if (m[0].length === 0) core.lastIndex++;
      }
      return null;
    },
  };
}

/** `(?<!G)rest` → { guard: G, core: rest }, when the look-behind is the whole first group. */
function splitLeadingLookbehind(source: string): { guard: string; core: string } | undefined {
  if (!source.startsWith('(?<!')) return undefined;
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) {
      const core = source.slice(i + 1);
      return core ? { guard: source.slice(4, i), core } : undefined;
    }
  }
  return undefined;
}
