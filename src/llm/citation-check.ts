/** Marker forms accepted: [1], [1][2], [1, 2]. */
const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

export type CitationProblem =
  | { kind: 'empty' }
  | { kind: 'uncited-sentence'; sentence: string }
  | { kind: 'unknown-passage'; marker: number };

/**
 * Every sentence must carry at least one marker, and every marker must name one of the
 * `passageCount` passages given (numbered from 1). A marker right after the full stop belongs to
 * the sentence before it ("... an NSAID. [1]").
 */
export function checkCitations(text: string, passageCount: number): CitationProblem | undefined {
  const sentences = splitSentences(text);
  if (sentences.length === 0) return { kind: 'empty' };
  for (const sentence of sentences) {
    const markers = [...sentence.matchAll(MARKER)].flatMap((m) => m[1].split(',').map((n) => Number(n.trim())));
    if (markers.length === 0) return { kind: 'uncited-sentence', sentence };
    const unknown = markers.find((n) => n < 1 || n > passageCount);
    if (unknown !== undefined) return { kind: 'unknown-passage', marker: unknown };
  }
  return undefined;
}

export function splitSentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+(?!\[)/)
    .map((s) => s.replace(/^\s*(?:[-*•]|\d+\.)\s+/, '').trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s.replace(MARKER, '')));
}

/**
 * Renumbers markers 1..k in order of first use, so the citation list holds only cited passages.
 * Returns the new text and, for each new number, the original passage number.
 */
export function renumberCitations(text: string): { text: string; order: number[] } {
  const order: number[] = [];
  const renumber = (n: number) => {
    if (!order.includes(n)) order.push(n);
    return order.indexOf(n) + 1;
  };
  const out = text.replace(MARKER, (_m, list: string) =>
    list
      .split(',')
      .map((n) => `[${renumber(Number(n.trim()))}]`)
      .join(''),
  );
  return { text: out, order };
}
