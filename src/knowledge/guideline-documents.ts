import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RISK_CATEGORIES } from '../clinical/types';

const frontMatterSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(3),
  issuer: z.string().min(2),
  url: z.string().url(),
  date: z.union([z.string(), z.date()]).transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d)),
  topics: z.array(z.coerce.string()).min(1),
  categories: z.array(z.enum(RISK_CATEGORIES)).min(1),
});

export interface GuidelineChunk {
  id: string;
  ordinal: number;
  section: string;
  content: string;
}

export interface GuidelineDocument extends z.infer<typeof frontMatterSchema> {
  contentHash: string;
  chunks: GuidelineChunk[];
}

/** Reads every `*.md` in the folder; a document with bad front matter is an error, not a silent skip. */
export function readGuidelines(dir: string): GuidelineDocument[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f.toLowerCase() !== 'readme.md')
    .sort()
    .map((file) => parseGuideline(fs.readFileSync(path.join(dir, file), 'utf8'), file));
}

export function parseGuideline(text: string, file: string): GuidelineDocument {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${file}: missing front matter between --- lines`);
  const parsed = frontMatterSchema.safeParse(parseYaml(match[1]));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  if (`${parsed.data.id}.md` !== file) throw new Error(`${file}: id ${parsed.data.id} must match the file name`);
  return {
    ...parsed.data,
    contentHash: crypto.createHash('sha256').update(text).digest('hex'),
    chunks: chunkByHeading(parsed.data.id, match[2]),
  };
}

/** One chunk per `##` section; text before the first `##` (under the `#` title) is its own chunk. */
function chunkByHeading(docId: string, body: string): GuidelineChunk[] {
  const chunks: GuidelineChunk[] = [];
  let section = 'Overview';
  let lines: string[] = [];
  const flush = () => {
    const content = lines.join('\n').trim();
    if (content) chunks.push({ id: `${docId}#${chunks.length}`, ordinal: chunks.length, section, content });
    lines = [];
  };
  for (const line of body.split(/\r?\n/)) {
    const heading = /^##\s+(.+)$/.exec(line);
    if (heading) {
      flush();
      section = heading[1].trim();
    } else if (!/^#\s/.test(line)) {
      lines.push(line);
    }
  }
  flush();
  return chunks;
}
