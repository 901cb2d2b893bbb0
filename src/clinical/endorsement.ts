import type { DrugMention, ChatMessage } from './types';

/** The reply agrees with what the patient proposed ("Yes, go ahead", "that should be fine"). */
const AFFIRMS =
  /^\s*(?:yes|yeah|yep|yup|sure|absolutely|of course|definitely|certainly|go ahead|great|good (?:idea|plan|choice|question)|that'?s (?:fine|ok|okay|safe|a (?:good|great|sensible) (?:idea|plan|choice))|it'?s (?:fine|ok|okay|safe))\b|\b(?:go ahead and|should be (?:fine|ok|okay|safe)|shouldn'?t be (?:a|an) (?:big |major )?(?:problem|issue)|is (?:fine|ok|okay|safe) to|are (?:fine|ok|okay|safe) to|fine to (?:start|take|use|finish|continue|have)|safe to (?:start|take|use|finish|continue|have)|you can (?:start|take|use|finish|continue|have) (?:it|them|that|those|these)|combine (?:them|it|both)|without (?:any )?(?:issues|problems|trouble))\b/i;

/** Replies that open by refusing are not endorsements, whatever follows. */
export const REFUSES = /^\s*(?:no\b(?!\s+(?:problem|worries|need to worry|big deal))|nope|please (?:don'?t|do not)|(?:don'?t|do not)\b(?!\s+(?:worry|panic|fret|stress))|i (?:wouldn'?t|would not|don'?t recommend)|it'?s (?:best|better) not|better not|unfortunately|i'?m sorry,? (?:but )?no|that'?s not (?:safe|a good idea))/i;

/**
 * Drugs the patient proposed that the reply endorses without naming them again. A drug the reply
 * names itself is judged by the reply's own words instead.
 */
export function endorsedByReply(patientMentions: DrugMention[], reply: ChatMessage, replyMentions: DrugMention[]): DrugMention[] {
  if (REFUSES.test(reply.text) || !AFFIRMS.test(reply.text)) return [];
  const named = new Set(replyMentions.map((m) => m.ref));
  return patientMentions.filter((m) => m.stance === 'recommended' && !named.has(m.ref));
}

/**
 * "My husband got amoxicillin", "my wife's tramadol", "he takes warfarin": the drug belongs to someone
 * else. "My sister said codeine is what she got" only names what someone else once had.
 */
const THIRD_PARTY_OWNER =
  /\b(?:my\s+(?:husband|wife|partner|son|daughter|kid|child|baby|toddler|little one|teen(?:ager)?|\d+[- ]?(?:year|yr|month)s?[- ]?old|mum|mom|mother|dad|father|brother|sister|friend|flatmate|roommate|boyfriend|girlfriend|grandma|grandmother|grandad|grandfather|grandson|granddaughter|nan|niece|nephew|neighbou?r|colleague|dog|cat)|he|she|his|her)(?:'s\s+(?:[\w-]+\s+)?|s'\s+|\s+(?:(?:has|had|have)\s+(?:been\s+)?(?:got|given|prescribed|put on|started on)?|got|gets|takes|took|is on|was on|uses|used|was given|was prescribed|is taking|has been taking|needs|started)\s+(?:[^.?!]{0,40}\s)?|[^.?!]{0,30}\b(?:gave|prescribed|put|started)\s+(?:him|her|them)\s+(?:on\s+)?(?:[^.?!]{0,15}\s)?)$/i;
/** "Asking for my husband", "not for me": every drug the message names belongs to that person. */
const ASKING_FOR_SOMEONE_ELSE = /\b(?:asking for (?:my|a|our) \w+|not for me|(?:it'?s|this is|question is) for my \w+|on behalf of my \w+)\b/i;
/** A parent writes about their child, who is the patient: "my son", "he" then mean the patient. */
const CHILD_WORDS = /^(?:my\s+(?:son|daughter|kid|child|baby)|he|she|his|her)/i;
/** "Would it work for me?", "can I take one": the patient asks for themself whoever owns the drug. */
const ASKS_FOR_SELF =
  /\b(?:can|could|should|may|do|would|shall)\s+i\b|\bfor me\b|\bi\s+(?:want|need|could|should|might)\b|\bme\s+(?:too|as well)\b|\bwould\s+(?:one|it|that|they|these|those|a couple|some)\s+(?:help|work|be ok(?:ay)?|be fine)\b|\b(?:she|he|they)\s+(?:doesn'?t|don'?t|does not|never|no longer)\s+(?:use|need|take)\b/i;

/** Drugs the patient says belong to someone else; a reply about them advises that person, not this patient. */
export function thirdPartyDrugs(patientMentions: DrugMention[], patientText: string, patientIsChild: boolean): Set<string> {
  const owned = new Set<string>();
  if (ASKING_FOR_SOMEONE_ELSE.test(patientText) && !patientIsChild) return new Set(patientMentions.map((m) => m.ref));
  if (ASKS_FOR_SELF.test(patientText)) return owned;
  for (const m of patientMentions) {
    const owner = THIRD_PARTY_OWNER.exec(patientText.slice(Math.max(0, m.start - 60), m.start));
    if (!owner || (patientIsChild && CHILD_WORDS.test(owner[0]))) continue;
    owned.add(m.ref);
  }
  return owned;
}
