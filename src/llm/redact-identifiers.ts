/**
 * Removes obvious direct identifiers from free text before it leaves Vigil for a model: e-mail
 * addresses, phone numbers, record/insurance numbers, full dates (birth dates among them), names
 * introduced as names, and any exact strings the caller knows identify the patient.
 * A safety net, not de-identification: the analyzer's input type carries no identifiers to begin with.
 * Doses survive ("500-1000 mg", "2 x 200 mg"): number patterns need more digits than any dose has.
 */
export function redactIdentifiers(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const value of known) {
    if (value.trim().length >= 2) out = out.replace(new RegExp(`\\b${escapeRegExp(value.trim())}\\b`, 'gi'), '[name]');
  }
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?';

const RULES: [RegExp, string | ((match: string) => string)][] = [
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[email]'],
  // Labelled identifiers: "MRN: 12345678", "NHS number 943 476 5919", "patient id AB-12345".
  [/\b(?:mrn|medical record(?: number| no\.?)?|patient (?:id|number)|nhs(?: number| no\.?)?|ssn|social security(?: number)?|insurance (?:id|number)|member id)\s*[:#]?\s*[A-Z]{0,3}-?\d[\d -]{2,}\d/gi, '[id]'],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[id]'],
  // Labelled birth dates in any wording: "DOB 3/4/80", "date of birth: 1980-04-03", "born on 3rd April 1980".
  [new RegExp(`\\b(?:dob|d\\.o\\.b\\.?|date of birth|born(?: on)?)\\s*[:\\-]?\\s*(?:\\d{1,4}[./-]\\d{1,2}[./-]\\d{1,4}|\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH},?\\s+\\d{2,4}|${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{2,4})`, 'gi'), '[date of birth]'],
  // Any full date: every date element but the year is an identifier (HIPAA safe harbour).
  [/\b\d{4}-\d{1,2}-\d{1,2}\b/g, '[date]'],
  [/\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b/g, '[date]'],
  [new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH},?\\s+\\d{4}\\b`, 'gi'), '[date]'],
  [new RegExp(`\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b`, 'gi'), '[date]'],
  // Phone numbers: a run of digits and separators with at least 10 digits, or 8 after a "+".
  [/(?:\+|\(|\b)\d[\d\s().-]{6,}\d\b/g, (m) => (digits(m) >= 10 || (m.startsWith('+') && digits(m) >= 8) ? '[phone]' : m)],
  // Long bare numbers are record or account numbers; no dose or lab value has seven digits.
  [/\b\d{7,}\b/g, '[number]'],
  // Names only where introduced as names; capitalised titles only, so "MS" (the disease) survives.
  [/\b([Mm]y name is|[Nn]ame:|[Cc]all me)\s+[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?/g, '$1 [name]'],
  [/\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?/g, '[name]'],
];

const digits = (s: string) => s.replace(/\D/g, '').length;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
