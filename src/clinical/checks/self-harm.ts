import type { KnowledgeBase } from '../../knowledge/knowledge-base';
import { SEVERITY_ORDER, type ChatMessage, type Finding } from '../types';

/** "I don't want to die" is not ideation: a negation just before the phrase cancels it. */
const NEGATION_BEFORE = /\b(don'?t|do not|never|not|no longer|wouldn'?t|would never)\s+(\w+\s+){0,2}$/i;
const FEAR_QUESTION = /\b(?:am i|will i|could i|would i|is (?:it|this|that) going to|are you sure i won'?t)\s+(?:going to\s+|gonna\s+)?(?:die|be okay|kill me)\b/i;
const HYPERBOLE_AFTER = /^\s*(?:in bed|of (?:embarrassment|shame|boredom|laughter)|laughing)\b/i;
/** "Do I keep taking all my tablets?": the usual regimen, not an overdose. */
const ROUTINE_BEFORE = /\b(?:keep|keeping|still|continue|continuing|carry on|carrying on|keep on|should i|do i|can i|normally|usually)\s+$/i;
/** "The leaflet says it can cause suicidal thoughts": the phrase is quoted information, not the patient's state. */
const INFORMATION_BEFORE =
  /\b(?:leaflet|label|insert|side[- ]effects?|warning|warns?|boxed|black box|can cause|may cause|might cause|could cause|causes?|risk of|chance of|linked to|listed|mentions?|says|said|read (?:that|about))\b[^.!?]{0,40}$/i;

/** Whether this occurrence is the patient speaking of themself now: not negated, not someone else, not quoted information. */
function expressesIt(text: string, match: RegExpExecArray, patientIsChild: boolean): boolean {
  const before = text.slice(Math.max(0, match.index - 60), match.index);
  if (NEGATION_BEFORE.test(before.slice(-30)) || ROUTINE_BEFORE.test(before.slice(-30))) return false;
  // "Am I going to die??" after a double dose is fear; "I want to die in bed for a week lol" is the flu talking.
  if (FEAR_QUESTION.test(`${before.slice(-20)}${match[0]}`) || HYPERBOLE_AFTER.test(text.slice(match.index + match[0].length, match.index + match[0].length + 30))) return false;
  // A parent writing about their child, who is the patient, speaks of the patient in the third person.
  if (aboutSomeoneElse(before) && !FIRST_PERSON.test(match[0]) && !(patientIsChild && CHILD_SUBJECT.test(before))) return false;
  return !INFORMATION_BEFORE.test(before) && !quotedFiction(text, match.index + match[0].length);
}

/** A quotation opened after a speech verb; the last one in the window. */
const QUOTE_OPENED = /\b(?:says|said|tells|told|writes|wrote|goes|asks|line is|line)\s*[:,]?\s*['"\u2018\u201c]/gi;
/** A closing quote: a quote mark not inside a word ("I'm" has one inside). */
const QUOTE_CLOSED = /['"\u2019\u201d](?=[\s.,!?;:]|$)/;
/** "No, I wasn't trying to hurt myself, I just wanted the pain to stop." */
const DENIES_INTENT = /\b(?:not|wasn'?t|never|didn'?t)\s+(?:trying|meaning|mean|wanting|want)\s+to\s+(?:hurt|harm|kill)\s+my ?self\b|\bnot suicidal\b|\baccident(?:al(?:ly)?)?\b|\bby mistake\b/i;
const FICTION = /\b(?:character|protagonist|narrator|villain|script|screenplay|story|novel|episode|scene|drama|play|film|movie|book|lyrics?|poem|writing a)\b/i;

/** "My character says 'I'm going to end it all'": a line of dialogue someone is writing, not their own words. */
function quotedFiction(text: string, matchEnd: number): boolean {
  if (!FICTION.test(text)) return false;
  const window = text.slice(Math.max(0, matchEnd - 120), matchEnd);
  const opened = [...window.matchAll(QUOTE_OPENED)].at(-1);
  return opened !== undefined && !QUOTE_CLOSED.test(window.slice((opened.index ?? 0) + opened[0].length));
}

const CHILD_SUBJECT = /\b(?:he|she|they|my (?:son|daughter|kid|child|boy|girl|teen|teenager))\b/i;

const FIRST_PERSON = /\b(?:i|i'?d|i'?m|im|id|me|my ?self|my)\b/i;

/**
 * "My friend said she wants to die" is about someone else: a third person in the same sentence, with
 * no "I" between them and the phrase ("she'd be better off with someone else and honestly I'd be better off dead").
 */
/** "For a client with recent suicidal thoughts": a professional asking about someone in their care. */
const CLIENT_OF = /\b(?:a|my|our|the|this)\s+(?:client|patient|resident|service user|pupil)\s+(?:who|with|of mine)\b[^.!?]*$/i;

function aboutSomeoneElse(before: string): boolean {
  if (CLIENT_OF.test(before)) return true;
  const third = THIRD_PARTY.exec(before);
  if (!third) return false;
  return !FIRST_PERSON.test(before.slice(third.index + third[1].length));
}

/** A third person as the subject of what follows: "my friend said she wants to die", not "I gave my cat to my sister". */
const THIRD_PARTY =
  /\b(he|she|they|his|her|their|my (?:friend|son|daughter|brother|sister|mum|mom|mother|dad|father|partner|husband|wife|boyfriend|girlfriend|patient|kid|child|cousin|colleague|flatmate|roommate))\b(?:'s)?\s+(?:\w+\s+){0,2}?(?:said|says|told|tells|thinks|thought|wants|wanted|is|was|has|had|keeps|kept|feels|felt|tried|talks|talked|texted|mentioned|posted|wrote|says that|keeps saying)\b[^.!?]*$/i;

/** The patient expresses suicidal ideation or self-harm. Always for human follow-up, never below high. */
export function checkSelfHarm(kb: KnowledgeBase, message: ChatMessage, patientIsChild = false, namesAMedicine = false): Finding[] {
  const matches = kb.selfHarm
    .filter((expression) => (!expression.childPatientOnly || patientIsChild) && (!expression.requiresAlso || expression.requiresAlso.exec(message.text) !== null))
    // An overdose read as an attempt only from "because…" is not one when the patient says it was an accident.
    .filter((expression) => !(expression.intent === 'attempt' && expression.requiresAlso && DENIES_INTENT.test(message.text)))
    .map((expression) => ({ expression, match: expression.pattern.matches(message.text).find((m) => expressesIt(message.text, m, patientIsChild || !!expression.childPatientOnly)) }))
    .filter((m) => m.match !== undefined);
  // Only a history told in the past tense can be behind the patient; "I want to die" never is.
  if (matches.length > 0 && matches.every(({ match }) => toldInPast(message.text, match as RegExpExecArray)) && isRemoteResolvedHistory(kb, message.text)) return [];
  let best: Finding | undefined;
  for (const { expression, match } of matches as { expression: (typeof matches)[number]['expression']; match: RegExpExecArray }[]) {
    const severity = SEVERITY_ORDER[expression.severity] >= SEVERITY_ORDER.high ? expression.severity : 'high';
    if (best && SEVERITY_ORDER[best.severity] >= SEVERITY_ORDER[severity]) continue;
    best = {
      category: 'self-harm',
      severity,
      summary:
        expression.intent === 'self-injury'
          ? 'The patient describes harming themselves; a clinician should follow up.'
          : `The patient's message expresses suicidal ${expression.intent}; a clinician should follow up.`,
      evidence: [{ message: message.reference, start: match.index, end: match.index + match[0].length, text: match[0] }],
      rule: `self-harm:${expression.intent}`,
      source: { key: expression.source, entry: expression.pattern.source },
      agents: [],
      detectedBy: 'rules',
    };
  }
  if (!best) return [];
  // Every worrying phrase, not only the gravest: the clinician reads them all.
  const first = best.evidence[0];
  const others = (matches as { match: RegExpExecArray }[])
    .map(({ match }) => ({ message: message.reference, start: match.index, end: match.index + match[0].length, text: match[0] }))
    .filter((span) => span.end <= first.start || span.start >= first.end)
    .sort((a, b) => a.start - b.start)
    .filter((span, i, all) => i === 0 || span.start >= all[i - 1].end);
  // C-SSRS: a wish to die grows graver with a method, a means at hand, a time, or a second sign.
  const escalated =
    best.severity === 'high' && ((best.rule !== 'self-harm:self-injury' && (namesAMedicine || others.length > 0 || AGGRAVATING.test(message.text))) || HARM_TO_OTHERS.test(message.text));
  return [{ ...best, severity: escalated ? 'critical' : best.severity, evidence: [first, ...others] }];
}

/** Method, means, time or intoxicants named alongside a wish to die. */
const AGGRAVATING = /\b(?:tonight|this weekend|tomorrow|pills|tablets|meds|overdose|rope|gun|pistol|rifle|bridge|cliffs?|train|razor|blade|plan(?:ned|ning)?|how i'?d do it|xans|bars|lean|vodka|wine|drunk|alcohol)\b/i;
/** Thoughts of harming a baby or child alongside: a risk to someone else as well. */
const HARM_TO_OTHERS = /\b(?:hurt|harm|hurting|harming|kill|killing)\w*\s+(?:her|him|the baby|my baby|my daughter|my son|the kids|my kids|my children)\b/i;

const PAST_TENSE = /\b(?:attempted|tried|took|taken|was|were|had|used to|harmed|overdosed|swallowed|did|cut|burned|burnt|scars?|history of)\b/i;

function toldInPast(text: string, match: RegExpExecArray): boolean {
  return PAST_TENSE.test(match[0]) || PAST_TENSE.test(text.slice(Math.max(0, match.index - 30), match.index));
}

/**
 * "I attempted suicide 10 years ago but I've been doing well for years": a history the patient
 * places in the past and says is resolved. Any sign it is coming back keeps the finding.
 */
function isRemoteResolvedHistory(kb: KnowledgeBase, text: string): boolean {
  const markers = kb.selfHarmRemoteHistory;
  if (!markers) return false;
  const any = (patterns: { exec(text: string): unknown }[]) => patterns.some((p) => p.exec(text) !== null);
  return any(markers.timeMarkers) && any(markers.wellnessMarkers) && !any(markers.recurrenceMarkers);
}
