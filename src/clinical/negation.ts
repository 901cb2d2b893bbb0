/**
 * Is the phrase at `index` negated by what comes just before it in the same clause?
 * ("no chest pain", "I don't have a fever", "denies shortness of breath", "you don't need to call 911")
 */
const NEGATORS = /\b(no|not|never|without|denies|denied|deny|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|haven'?t|hasn'?t|no need to|nothing like|free of|ruled out|neither|nor)\b[^.!?;,]*$/i;
const CLAUSE = /[.!?;]|\bbut\b|\bhowever\b|\balthough\b/gi;

/** Set phrases that contain a negator but negate nothing that follows ("no problem, just take ..."). */
const IDIOMS = /\b(no problem|no worries|no need to worry|not to worry|no doubt|not only|no matter)\b/gi;

export function isNegated(text: string, index: number, window = 40): boolean {
  let start = Math.max(0, index - window);
  for (const m of text.slice(0, index).matchAll(CLAUSE)) {
    const end = (m.index ?? 0) + m[0].length;
    if (end > start) start = end;
  }
  return NEGATORS.test(neutralizeIdioms(text.slice(start, index)));
}

/** Blanks idioms that contain a negator, keeping every other character where it was. */
export function neutralizeIdioms(text: string): string {
  return text.replace(IDIOMS, (m) => ' '.repeat(m.length));
}

/** The first match of `pattern` in `text` that is not negated just before it. */
export function firstAffirmedMatch(pattern: RegExp, text: string, window = 40): { start: number; end: number } | undefined {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  for (const m of text.matchAll(global)) {
    const start = m.index ?? 0;
    if (!isNegated(text, start, window)) return { start, end: start + m[0].length };
  }
  return undefined;
}
