import type { Pattern } from '../knowledge/pattern';

/**
 * Is the phrase at `index` negated by what comes just before it in the same clause?
 * ("no chest pain", "I don't have a fever", "denies shortness of breath", "you don't need to call 911")
 */
const NEGATORS = /\b(no|not|never|without|denies|denied|deny|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|haven'?t|hasn'?t|no need to|nothing like|free of|ruled out|neither|nor)\b[^.!?;,]*$/i;
const CLAUSE = /[.!?;]|\bbut\b|\bhowever\b|\balthough\b/gi;

/** Set phrases that contain a negator but negate nothing that follows ("no problem, just take ..."). */
const IDIOMS = /\b(no problem|no worries|no need to worry|not to worry|no doubt|not only|no matter|don'?t hesitate|do not hesitate|never hesitate)\b/gi;

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
export function firstAffirmedMatch(pattern: Pattern, text: string, window = 40): { start: number; end: number } | undefined {
  for (const m of pattern.matches(text)) {
    if (!isNegated(text, m.index, window)) return { start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
