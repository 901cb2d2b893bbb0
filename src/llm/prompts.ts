import fs from 'node:fs';
import path from 'node:path';

const PLACEHOLDER = /\{\{\s*([A-Za-z][\w-]*)\s*\}\}/g;

/**
 * A prompt kept as a file under prompts/, with `{{name}}` placeholders. Prompts are files so a safety
 * officer can read and review exactly what is asked of a model, and change it without touching code.
 */
export class PromptTemplate {
  readonly placeholders: ReadonlySet<string>;

  constructor(
    readonly name: string,
    private readonly template: string,
  ) {
    this.placeholders = new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]));
  }

  /**
   * Fills every placeholder. A missing value or an unused one is a bug between code and template,
   * so it throws rather than sending a half-filled prompt. Values are inserted once and never
   * re-scanned, so `{{...}}` inside patient text stays literal.
   */
  fill(values: Record<string, string>): string {
    const missing = [...this.placeholders].filter((p) => values[p] === undefined);
    const unused = Object.keys(values).filter((k) => !this.placeholders.has(k));
    if (missing.length > 0 || unused.length > 0) {
      throw new Error(
        `Prompt ${this.name}: ${missing.length ? `missing ${missing.map((p) => `{{${p}}}`).join(', ')}` : ''}${missing.length && unused.length ? '; ' : ''}${unused.length ? `no placeholder for ${unused.join(', ')}` : ''}`,
      );
    }
    return this.template.replace(PLACEHOLDER, (_m, key: string) => values[key]);
  }
}

/**
 * Reads `<dir>/<name>.md` and checks it has exactly the placeholders the code fills, so a bad edit
 * to a prompt file stops start-up instead of failing on the first message.
 */
export function loadPrompt(dir: string, name: string, expected: readonly string[]): PromptTemplate {
  const file = path.join(dir, `${name}.md`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Prompt ${name}: cannot read ${file}`, { cause: err });
  }
  const template = new PromptTemplate(name, text.trim());
  const missing = expected.filter((p) => !template.placeholders.has(p));
  const unknown = [...template.placeholders].filter((p) => !expected.includes(p));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(`Prompt ${name} (${file}): expected placeholders ${expected.join(', ')}; missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'}`);
  }
  return template;
}

/** A system instruction and a user prompt, loaded together. */
export interface PromptPair {
  system: PromptTemplate;
  user: PromptTemplate;
}

export function loadPromptPair(dir: string, name: string, expected: readonly string[]): PromptPair {
  return { system: loadPrompt(dir, `${name}.system`, []), user: loadPrompt(dir, name, expected) };
}
