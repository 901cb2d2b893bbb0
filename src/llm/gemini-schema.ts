import type { ResponseSchema } from '@google/generative-ai';

/** The OpenAPI-subset keywords Gemini's responseSchema accepts; anything else makes the API answer 400. */
const KEPT = new Set(['type', 'format', 'description', 'nullable', 'enum', 'properties', 'required', 'items', 'minItems', 'maxItems']);

/**
 * Converts a JSON Schema (as zod's toJSONSchema writes it) to Gemini's responseSchema: drops
 * `$schema`, `additionalProperties` and the like, turns `type: [T, "null"]` into `nullable`, and marks
 * string enums with `format: "enum"`. Ollama takes the JSON Schema as it is.
 */
export function toGeminiSchema(schema: object): ResponseSchema {
  return convert(schema as Record<string, unknown>) as unknown as ResponseSchema;
}

function convert(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Record<string, unknown>>).map(([k, v]) => [k, convert(v)]));
    } else if (key === 'items') {
      out.items = convert(value as Record<string, unknown>);
    } else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      out.type = types[0];
      if (types.length < value.length) out.nullable = true;
    } else {
      out[key] = value;
    }
  }
  if ('const' in node && out.enum === undefined) out.enum = [node.const];
  if (Array.isArray(out.enum) && (out.type === undefined || out.type === 'string')) {
    out.type = 'string';
    out.format = 'enum';
  }
  return out;
}
