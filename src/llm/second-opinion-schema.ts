import { z } from 'zod';
import { RISK_CATEGORIES } from '../clinical/types';
import { severitySchema } from '../knowledge/knowledge-schema';

/** One finding as a model must state it. */
export const modelFindingSchema = z.object({
  category: z.enum(RISK_CATEGORIES),
  severity: severitySchema,
  /** Verbatim quote from the reply or the patient message. */
  evidence: z.string().trim().min(1).max(500),
  rationale: z.string().trim().min(1).max(1000),
});
export type ModelFinding = z.infer<typeof modelFindingSchema>;

export const secondOpinionSchema = z.object({ findings: z.array(modelFindingSchema) });

/** What the provider is asked for: the schema above, as JSON Schema. */
export const secondOpinionJsonSchema: object = z.toJSONSchema(secondOpinionSchema);

/**
 * The answer as a whole: JSON with a findings array. Findings inside are checked one by one, so one
 * bad finding is dropped without losing the rest; a bad envelope makes the whole answer unusable.
 */
const envelopeSchema = z.object({ findings: z.array(z.unknown()) });

export function parseEnvelope(text: string): unknown[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = envelopeSchema.safeParse(json);
  return parsed.success ? parsed.data.findings : undefined;
}
