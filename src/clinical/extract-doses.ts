import type { DrugMention } from './types';

/** A dose stated in a reply for one drug mention, turned into milligrams where the text allows. */
export interface StatedDose {
  /** One administration, mg. */
  singleMg?: number;
  /** Per 24 hours, mg: stated directly ("up to 4 g a day") or single dose × frequency. */
  dailyMg?: number;
  /** Administrations per day, when stated. */
  perDay?: number;
  /** The daily figure is a ceiling the reply states ("no more than 4,000 mg in 24 hours"), not an amount to take. */
  dailyIsLimit?: boolean;
  /** Units (tablets, sachets) or millilitres per administration, for products with several ingredients. */
  units?: number;
  volumeMl?: number;
  product?: ProductStrength;
  /** The dose was read from the sentence after the drug's, so it may be about something else the text names. */
  fromNextSentence?: boolean;
  start: number;
  end: number;
  text: string;
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, half: 0.5, 'one and a half': 1.5,
};
// Never the tail of a longer number: "500 mg" is not "5" then "00 mg".
const NUM = String.raw`(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|one and a half|half|an?|one|two|three|four|five|six|seven|eight|nine|ten)`;
/** Mass, and international units for the drugs whose IU the knowledge base converts (vitamin D: 40 IU per microgram). */
const MASS_UNIT = String.raw`(mg|milligrams?|mcg|µg|ug|micrograms?|g|grams?|iu|i\.u\.|international units?|units?)`;
const VOLUME_UNIT = String.raw`(ml|mls|millilit(?:er|re)s?|tsp|teaspoons?|tbsp|tablespoons?)`;
const COUNT_UNIT = String.raw`(tablets?|tabs?|pills?|capsules?|caps|caplets?|softgels?|gel ?caps?|liqui-?caps|lozenges?|suppositor(?:y|ies)|puffs?|sachets?|patch(?:es)?|ones)`;

const PATTERNS = {
  concentration: new RegExp(String.raw`${NUM}\s*${MASS_UNIT}\s*(?:\/|per|in|in each|in every)\s*${NUM}?\s*${VOLUME_UNIT}`, 'i'),
  countWithStrength: new RegExp(String.raw`${NUM}\s*(?:x\s*)?(?:of\s+(?:your|the|my|these|those|her|his)\s+)?(?:${NUM}\s*${MASS_UNIT}\s*)?(?:whole\s+|full\s+|extra\s+|more\s+|additional\s+)?${COUNT_UNIT}(?:\s*(?:of|at|containing|,)\s*${NUM}\s*${MASS_UNIT})?`, 'gi'),
  mass: new RegExp(String.raw`${NUM}\s*${MASS_UNIT}\b(?!\s*(?:\/|per)\s*(?:\d+\s*)?(?:ml|kg))`, 'i'),
  volume: new RegExp(String.raw`${NUM}\s*${VOLUME_UNIT}\b`, 'i'),
  dailyTotal: new RegExp(
    String.raw`${NUM}\s*${MASS_UNIT}\s*(?:a|per|each|every|in a|in one|in any|within|within a|over|over a|in|\/)\s*(?:day|24 ?h(?:ours?|rs?)?|d|one day|1 day)\b|${NUM}\s*${MASS_UNIT}\s*daily\b(?!\s*x)`,
    'i',
  ),
  everyHours: /every\s+(\d+(?:\.\d+)?)(?:\s*(?:-|–|to|or)\s*(\d+(?:\.\d+)?))?\s*(?:hours?|hrs?|h)\b|\bq\s?(\d+)\s?h\b/i,
  timesPerDay: /\b(once|twice|one time|two times|three times|four times|five times|six times|(\d+)\s*times|(\d+)x)\s*(?:a|per|each|every|in a)?\s*(?:day|daily|24 hours)\b|\b(bid|b\.i\.d\.|tid|t\.i\.d\.|qid|q\.i\.d\.|qds|tds|bd|od)\b/i,
  hourly: /\b(every hour|hourly)\b/i,
  perDayUpTo: /\b(?:up to|no more than|not more than|never more than|maximum of|max(?:imum)?|at most)\s+(\d+|two|three|four|five|six|eight)\s*(?:times|doses)\b/i,
};

const TIMES: Record<string, number> = {
  once: 1, 'one time': 1, twice: 2, 'two times': 2, 'three times': 3, 'four times': 4, 'five times': 5, 'six times': 6,
  bid: 2, 'b.i.d.': 2, bd: 2, tid: 3, 't.i.d.': 3, tds: 3, qid: 4, 'q.i.d.': 4, qds: 4, od: 1,
};

const WORD_VALUES: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const NUMBER_PHRASE = /\b(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a)\s+)?(?:hundred|thousand)(?:\s+(?:and\s+)?(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)?\b|\b(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?\b|\b(?:eleven|twelve|fifteen)\b/gi;

/** "every four to six hours", "up to eight in a day": small numbers are digits only where a schedule reads them. */
const SMALL_WORD = String.raw`(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)`;
const SMALL_NUMBER_BEFORE_TIME = new RegExp(
  String.raw`(?<=\bevery\s+)${SMALL_WORD}\b|\b${SMALL_WORD}\b(?=(?:\s*(?:to|or|-|–)\s*(?:${SMALL_WORD}|\d+))?\s*(?:hours?\b|hrs?\b|hourly\b|times\b|(?:tablets?|capsules?|caplets?|pills?|doses?|sachets?)?\s*(?:in|a|per)\s+(?:a\s+)?(?:day|24)))`,
  'gi',
);

/**
 * "five hundred milligrams" → "500" padded to the same length, so offsets into the original text
 * still hold for evidence.
 */
export function numbersAsDigits(text: string): string {
  return text.replace(SMALL_NUMBER_BEFORE_TIME, (word) => String(WORD_VALUES[word.toLowerCase()]).padEnd(word.length, ' ')).replace(NUMBER_PHRASE, (phrase) => {
    let total = 0;
    let current = 0;
    for (const word of phrase.toLowerCase().split(/[\s-]+/)) {
      if (word === 'and') continue;
      if (word === 'a') current = 1;
      else if (word === 'hundred') current = (current || 1) * 100;
      else if (word === 'thousand') {
        total += (current || 1) * 1000;
        current = 0;
      } else current += WORD_VALUES[word] ?? 0;
    }
    const digits = String(total + current);
    return digits.length <= phrase.length ? digits.padEnd(phrase.length, ' ') : phrase;
  });
}

function num(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const lower = text.toLowerCase();
  if (lower in NUMBER_WORDS) return NUMBER_WORDS[lower];
  const value = Number(lower.replace(/,(?=\d{3}\b)/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

function toMg(value: number, unit: string, iuPerMg?: number): number {
  const u = unit.toLowerCase();
  if (u.startsWith('i') || u.startsWith('unit')) return iuPerMg ? value / iuPerMg : NaN;
  if (u.startsWith('mcg') || u.startsWith('µg') || u.startsWith('ug') || u.startsWith('microgram')) return value / 1000;
  if (u === 'g' || u.startsWith('gram')) return value * 1000;
  return value;
}

function toMl(value: number, unit: string): number {
  const u = unit.toLowerCase();
  if (u.startsWith('tsp') || u.startsWith('teaspoon')) return value * 5;
  if (u.startsWith('tbsp') || u.startsWith('tablespoon')) return value * 15;
  return value;
}

/**
 * The dose a reply gives for each recommended drug, read from the text between the mention and the
 * next drug mention (or the end of the sentence). Returns nothing when no dose is stated.
 */
export interface ProductStrength {
  name: string;
  drug: string;
  unitMg?: number;
  mgPerMl?: number;
  ingredients?: { drug: string; unitMg?: number; mgPerMl?: number }[];
  maxUnitsPerDay?: number;
}

/**
 * The dose a reply gives for one recommended drug, read from its sentence up to the next drug
 * mention: numbers before the name and after it read as one phrase ("two 500 mg Tylenol tablets
 * every 4 hours"). A branded product named in the sentence supplies a strength the text leaves out.
 */
export function extractDose(
  text: string,
  mention: DrugMention,
  nextMentionStart: number | undefined,
  products: ProductStrength[] = [],
  impliedProduct?: ProductStrength,
  iuPerMg?: number,
  /** false when another drug leads this one's sentence: "paracetamol with amoxicillin. Take 1 g…" doses the first. */
  leadsSentence = true,
): StatedDose | undefined {
  const sentenceEnd = nextSentenceEnd(text, mention.end);
  const windowEnd = Math.min(sentenceEnd, nextMentionStart ?? sentenceEnd);
  const sentenceStart = previousSentenceEnd(text, mention.start);
  // Split before the name at clause punctuation, but not inside numbers like "1,000".
  // …and at "and"/"plus"/"then": "folic acid 400 micrograms a day and vitamin D 10 micrograms" doses each drug apart.
  const beforeTail = (text.slice(sentenceStart, mention.start).split(/[;:]|,(?!\d{3}\b)|\b(?:and|plus|then|together with|along with|alongside|as well as)\b(?! a half)|\bor\b(?! (?:two|three|four|2|3|4|more|so)\b)/).at(-1) ?? '').slice(-40);
  let after = text.slice(mention.end, windowEnd);
  if (nextMentionStart !== undefined && nextMentionStart <= windowEnd) {
    // "2 Norco every 4 hours and add 1,000 mg of Tylenol": the next drug's dose is not this one's.
    // Looked for only after this drug's own amount: "Yes, take 4 tablets…" has its comma before the dose.
    const ownAmount = ANY_DOSE.exec(after)?.index ?? 0;
    const handOver = /,(?!\d{3}\b)|\s(?:and|plus|then|or)\s+(?:(?:also|then)\s+)?(?:add|take|use|give|try|have)\b/i.exec(after.slice(ownAmount));
    if (handOver) after = after.slice(0, ownAmount + handOver.index);
  }
  const phrase = `${beforeTail} ${after}`;
  const named = productAt(products, mention, text.toLowerCase());
  // A liquid's strength the patient read off the bottle, or the reply names beside the drug ("Nurofen (100 mg/5 ml)"), beats a brand's tablet strength.
  const statedLiquid = liquidStrengthNear(text.slice(sentenceStart, sentenceEnd), mention);
  const liquid = impliedProduct?.mgPerMl ? impliedProduct : statedLiquid;
  const product = named && !(liquid && !named.mgPerMl) ? named : (liquid ?? impliedProduct ?? named);
  // "two 500 mg Panadol": a count and the unit's strength before the name.
  const countWithStrengthBefore = COUNT_AND_STRENGTH_BEFORE_NAME.exec(beforeTail);
  const counted = countWithStrengthBefore ?? (product?.unitMg || product?.ingredients ? (COUNT_BEFORE_NAME.exec(beforeTail) ?? COUNT_AFTER_NAME.exec(after)) : null);
  const bareCount = counted ? num(counted[1]) : undefined;
  const count = bareCount !== undefined && bareCount <= 10 ? bareCount : undefined;
  const statedUnitMg = countWithStrengthBefore ? toMg(num(countWithStrengthBefore[2]) ?? NaN, countWithStrengthBefore[3], iuPerMg) : undefined;
  const unitStrength = statedUnitMg !== undefined && Number.isFinite(statedUnitMg) ? statedUnitMg : product?.unitMg;
  const fromCount: ParsedDose | undefined =
    count !== undefined && (product || unitStrength) ? { singleMg: unitStrength ? count * unitStrength : undefined, unitMg: unitStrength, units: count } : undefined;
  let ownDose = countWithStrengthBefore ? undefined : parseDose(phrase, product, iuPerMg);
  if (countWithStrengthBefore && fromCount) {
    // The count and strength are before the name; the schedule and any day total come after it.
    const rest = parseDose(after, product, iuPerMg);
    ownDose = { ...fromCount, dailyMg: rest?.dailyMg, dailyIsLimit: rest?.dailyIsLimit };
  }
  // "2 Extra Strength Tylenol (500 mg each)": the amount after the name is per unit.
  if (ownDose && count !== undefined && ownDose.units === undefined && ownDose.singleMg !== undefined && (/\beach\b/i.test(after) || ownDose.singleMg === product?.unitMg)) {
    ownDose = { ...ownDose, singleMg: count * ownDose.singleMg, unitMg: ownDose.singleMg, units: count };
  }
  // The next sentence, read once: it may hold the day's figure, or the whole dose.
  const next = leadsSentence && (!ownDose || ownDose.dailyMg === undefined) ? nextSentenceDose(text, sentenceEnd, nextMentionStart, product, iuPerMg) : undefined;
  // "Take 2 capsules to start… Up to 10 capsules a day is okay": the day's figure may follow in the next sentence.
  if (ownDose && ownDose.dailyMg === undefined && next?.dose.dailyMg !== undefined) ownDose = { ...ownDose, dailyMg: next.dose.dailyMg, dailyIsLimit: next.dose.dailyIsLimit };
  // "Prescription-strength ibuprofen is 800 mg. On a bad day you can take 800 mg every 4 hours": the own
  // sentence only says what the drug is; the instruction with its schedule follows.
  const ownSentence = text.slice(sentenceStart, sentenceEnd);
  const onlyDescribed = ownDose !== undefined && ownDose.dailyMg === undefined && frequencyOf(ownSentence) === undefined && !INSTRUCTION.test(ownSentence);
  const following = !ownDose || (onlyDescribed && next && INSTRUCTION.test(next.sentence) && frequencyOf(next.sentence) !== undefined) ? next : undefined;
  // "Motrin 800 mg is a good choice. Take one every 4 hours": the count and schedule follow, the strength came first.
  if (onlyDescribed && !following && ownDose?.singleMg !== undefined && leadsSentence) {
    const after = text.slice(sentenceEnd + 1, nextSentenceEnd(text, sentenceEnd + 2));
    const counted = COUNT_THEN_SCHEDULE.exec(after);
    const perDayNext = counted && (nextMentionStart === undefined || nextMentionStart > sentenceEnd + 1 + after.length) ? frequencyOf(after) : undefined;
    if (counted && perDayNext !== undefined) {
      const units = num(counted[1]) ?? 1;
      const singleMg = ownDose.singleMg * units;
      return { singleMg, dailyMg: singleMg * perDayNext, perDay: perDayNext, units, product, fromNextSentence: true, start: mention.start, end: sentenceEnd + 1 + after.length, text: text.slice(mention.start, sentenceEnd + 1 + after.length).trim() };
    }
  }
  const followingDose = following?.dose;
  const dose: ParsedDose | undefined = (onlyDescribed ? followingDose : undefined) ?? ownDose ?? followingDose ?? fromCount;
  if (!dose) return undefined;
  // A dose read from the next sentence takes its schedule from there too.
  const usedFollowing = following !== undefined && dose === followingDose;
  const schedule = usedFollowing ? following.sentence : phrase;
  const perDay = dose.perDay ?? frequencyOf(schedule) ?? frequencyOf(usedFollowing ? following.sentence : text.slice(sentenceStart, sentenceEnd));
  const unitsPerDay = UNITS_PER_DAY.exec(phrase);
  const dailyFromUnits = unitsPerDay && dose.unitMg ? (num(unitsPerDay[1]) ?? 0) * dose.unitMg : undefined;
  const fromFrequency = dose.singleMg !== undefined && perDay !== undefined ? dose.singleMg * perDay : undefined;
  // "Up to 12 a day" is what the reply allows, whatever the schedule: a stated day count is the day's total.
  const capped = dailyFromUnits ?? fromFrequency;
  const dailyMg = dose.dailyMg ?? capped;
  return {
    singleMg: dose.singleMg,
    dailyMg,
    dailyIsLimit: dose.dailyMg !== undefined ? dose.dailyIsLimit : undefined,
    perDay,
    units: dose.units ?? count,
    volumeMl: dose.volumeMl,
    product,
    fromNextSentence: usedFollowing,
    // A dose read from the next sentence is pointed at there, where the amount is.
    start: usedFollowing && following ? following.start : mention.start,
    end: usedFollowing && following ? following.end : windowEnd,
    text: (usedFollowing && following ? following.sentence : text.slice(mention.start, windowEnd)).trim(),
  };
}

/** The other ingredients of a combination product, per day: "2 Norco every 6 hours" is also 2.6 g of acetaminophen. */
export function ingredientDailyDoses(dose: StatedDose): { drug: string; dailyMg: number }[] {
  if (dose.perDay === undefined) return [];
  const perDay = dose.perDay;
  return (dose.product?.ingredients ?? []).flatMap((ingredient) => {
    const perDose = ingredient.unitMg && dose.units ? ingredient.unitMg * dose.units : ingredient.mgPerMl && dose.volumeMl ? ingredient.mgPerMl * dose.volumeMl : undefined;
    return perDose === undefined ? [] : [{ drug: ingredient.drug, dailyMg: perDose * perDay }];
  });
}

const UNITS_PER_DAY = new RegExp(
  String.raw`(?:up to|no more than|not more than|never more than|maximum of|max(?:imum)?|at most)\s+${NUM}\s*(?:tablets?|tabs?|pills?|capsules?|caplets?|softgels?|doses?|sachets?)?\s*(?:a|per|in|each|in any|in a|in one)?\s*(?:day|24 ?hours?|24 ?hrs?)`,
  'i',
);

/** The product named at the mention itself ("DayQuil"), not just anywhere in the sentence. */
export function productAt(products: ProductStrength[], mention: DrugMention, lower: string): ProductStrength | undefined {
  let best: ProductStrength | undefined;
  for (const product of products) {
    if (product.drug !== mention.ref) continue;
    const from = Math.max(0, mention.start - product.name.length);
    const at = lower.indexOf(product.name, from);
    if (at < 0 || at > mention.end) continue;
    // Products come longest name first, so the first overlapping one is the most specific.
    if (at <= mention.start + 1 && at + product.name.length >= mention.end - 1) return product;
    best ??= at + product.name.length >= mention.start ? product : undefined;
  }
  return best;
}

/** "Benadryl can help. Adults can take 100 mg before bed." The dose may follow in the next sentence. */
function nextSentenceDose(
  text: string,
  sentenceEnd: number,
  nextMentionStart: number | undefined,
  product?: ProductStrength,
  iuPerMg?: number,
): { dose: ParsedDose; sentence: string; start: number; end: number } | undefined {
  if (nextMentionStart !== undefined && nextMentionStart <= sentenceEnd + 2) return undefined;
  const from = sentenceEnd + 1;
  // "You can give 10 ml every 6-8 hours, and you can alternate with Calpol": the next drug ends the window, not the dose.
  const end = Math.min(nextSentenceEnd(text, from + 1), nextMentionStart ?? Number.POSITIVE_INFINITY);
  const sentence = text.slice(from, end);
  const dose = parseDose(sentence, product, iuPerMg);
  const lead = sentence.length - sentence.trimStart().length;
  return dose ? { dose, sentence, start: from + lead, end } : undefined;
}

type ParsedDose = Pick<StatedDose, 'singleMg' | 'dailyMg' | 'perDay' | 'units' | 'volumeMl' | 'dailyIsLimit'> & { unitMg?: number };

/** "the 650 ones" names a strength, not 650 tablets; "ones" counts only with a strength beside it. */
function plausibleCount(m: RegExpMatchArray): boolean {
  const n = num(m[1]);
  if (n === undefined || n > 60) return false;
  return !/ones$/i.test(m[0]) || m[2] !== undefined || m[5] !== undefined;
}

const SCHEDULE_SLOT = /\b(?:morning|breakfast|mid-?morning|lunch|lunchtime|midday|noon|afternoon|tea ?time|evening|dinner|supper|bedtime|night)\s*[:=\-–]\s*(one|two|three|four|[1-4])\b/gi;

const DAY_COUNT = /\b(?:taking|take|have|having)\s+(?:up to\s+|about\s+|around\s+)?(\d{1,2})\s+(?:or so|in total|altogether|a day|per day|in a day)\b/i;

const PER_DAY_AFTER = /^\s*(?:a|per|in|each|in any|in a|in one|every|within|within a|over|over a)\s*(?:day|24 ?h)/i;
const LIMIT_BEFORE = /\b(?:no more than|not more than|never more than|not to exceed|do not exceed|don'?t exceed|shouldn'?t exceed|max(?:imum)?(?: of| is| dose is)?|up to|at most|limit (?:of|is)|stay under|below|under)\s*$/i;

/** "take 2 Aleve": a bare count just before a product's name. */
const COUNT_BEFORE_NAME = new RegExp(String.raw`(?:^|\s)${NUM}\s*(?:x\s*)?$`, 'i');
const COUNT_AND_STRENGTH_BEFORE_NAME = new RegExp(String.raw`(?:^|\s)(one|two|three|four|five|six|[1-6])\s*(?:x\s*|of\s+(?:the|my|your|those|these)\s+)?${NUM}\s*${MASS_UNIT}\s*$`, 'i');
/** "my Norco 2 every 6 hrs": a small count right after the name, when a schedule follows (not "Norco 10/325"). */
const COUNT_AFTER_NAME = /^\s*(?:x\s*|,?\s*(?:you|he|she|they)\s+(?:can|could|should|may)\s+(?:safely\s+)?(?:take|have|use|go up to|give)\s+(?:up to\s+)?)?(one|two|three|four|[1-4])\s+(?=every\b|q\s?\d|x\s*\d|at (?:a time|once|night|bedtime)\b|a day\b|per day\b|daily\b|tabs?\b|tablets?\b|caps?\b|pills?\b)/i;

export function parseDose(text: string, product?: ProductStrength, iuPerMg?: number): ParsedDose | undefined {
  const daily = PATTERNS.dailyTotal.exec(text);
  let dailyMg = daily ? toMg(num(daily[1] ?? daily[3]) ?? NaN, daily[2] ?? daily[4], iuPerMg) : undefined;
  const dailyIsLimit = daily ? LIMIT_BEFORE.test(text.slice(Math.max(0, daily.index - 30), daily.index)) : undefined;
  const concentration = PATTERNS.concentration.exec(text);
  // "no more than 6 caplets in 24 hours" is a day's cap, not one dose; "20 of the 500 mg ones a day" is a day's intake.
  const limited = (m: RegExpMatchArray) => LIMIT_BEFORE.test(text.slice(Math.max(0, (m.index ?? 0) - 30), m.index));
  const perDayAfter = (m: RegExpMatchArray) => PER_DAY_AFTER.test(text.slice((m.index ?? 0) + m[0].length));
  const allCounts = [...text.matchAll(PATTERNS.countWithStrength)].filter((m) => plausibleCount(m) && !/\bif\s+$/i.test(text.slice(Math.max(0, (m.index ?? 0) - 4), m.index)));
  const counts = allCounts.filter((m) => !limited(m));
  // "Up to 10 capsules a day": a stated ceiling, judged against the maximum but never added up.
  const cappedCount = allCounts.find((m) => limited(m) && perDayAfter(m));
  const count = counts.find((m) => !perDayAfter(m)) ?? null;
  const dailyCount = count ? undefined : counts.find(perDayAfter);
  let singleMg: number | undefined;
  let unitMg: number | undefined;
  const units = count ? num(count[1]) : undefined;
  const volumeMatch = PATTERNS.volume.exec(concentration ? text.replace(concentration[0], ' ') : text);
  const volumeMl = volumeMatch ? toMl(num(volumeMatch[1]) ?? NaN, volumeMatch[2]) : undefined;
  if (count) {
    const n = num(count[1]);
    const strength = count[2] ? toMg(num(count[2]) ?? NaN, count[3], iuPerMg) : count[5] ? toMg(num(count[5]) ?? NaN, count[6], iuPerMg) : product?.unitMg;
    if (n !== undefined && strength !== undefined) {
      singleMg = n * strength;
      unitMg = strength;
    }
  }
  let cappedDaily = false;
  if (cappedCount && dailyMg === undefined && !dailyCount) {
    const n = num(cappedCount[1]);
    const strength = cappedCount[2] ? toMg(num(cappedCount[2]) ?? NaN, cappedCount[3], iuPerMg) : cappedCount[5] ? toMg(num(cappedCount[5]) ?? NaN, cappedCount[6], iuPerMg) : product?.unitMg;
    if (n !== undefined && strength !== undefined) {
      dailyMg = n * strength;
      cappedDaily = true;
    }
  }
  if (dailyCount && dailyMg === undefined) {
    const n = num(dailyCount[1]);
    const strength = dailyCount[2] ? toMg(num(dailyCount[2]) ?? NaN, dailyCount[3], iuPerMg) : dailyCount[5] ? toMg(num(dailyCount[5]) ?? NaN, dailyCount[6], iuPerMg) : product?.unitMg;
    if (n !== undefined && strength !== undefined) dailyMg = n * strength;
  }
  // "morning: 2, lunch: 2, evening: 2, bedtime: 2": a day's schedule written as a list.
  const slots = [...text.matchAll(SCHEDULE_SLOT)].map((m) => num(m[1]) ?? 0).filter((n) => n > 0);
  if (!count && slots.length >= 2 && product?.unitMg && dailyMg === undefined) {
    singleMg = Math.max(...slots) * product.unitMg;
    unitMg = product.unitMg;
    dailyMg = slots.reduce((a, b) => a + b, 0) * product.unitMg;
  }
  // "on a long day taking 10 or so is fine": a day's count without a unit word.
  const dayCount = DAY_COUNT.exec(text);
  if (dayCount && !count && dailyMg === undefined && product?.unitMg && /\bday\b/i.test(text)) {
    dailyMg = Number(dayCount[1]) * product.unitMg;
  }
  let bareUnits: number | undefined;
  if (!count && !dailyCount && (product?.unitMg || product?.ingredients)) {
    const bare = BARE_COUNT_TAKEN.exec(text);
    bareUnits = bare ? num(bare[1]) : undefined;
    if (bareUnits !== undefined && product?.unitMg) {
      singleMg = bareUnits * product.unitMg;
      unitMg = product.unitMg;
    }
  }
  if (singleMg === undefined && concentration) {
    const perVolumeMg = toMg(num(concentration[1]) ?? NaN, concentration[2], iuPerMg);
    const perMl = perVolumeMg / toMl(num(concentration[3]) ?? 1, concentration[4]);
    const withoutConcentration = text.replace(concentration[0], ' ');
    const volume = PATTERNS.volume.exec(withoutConcentration);
    if (volume) singleMg = toMl(num(volume[1]) ?? NaN, volume[2]) * perMl;
  }
  if (singleMg === undefined && !concentration && product?.mgPerMl) {
    const volume = PATTERNS.volume.exec(text);
    if (volume) singleMg = toMl(num(volume[1]) ?? NaN, volume[2]) * product.mgPerMl;
  }
  if (singleMg === undefined) {
    const mass = PATTERNS.mass.exec(daily ? text.replace(daily[0], ' ') : text);
    if (mass && !(concentration && concentration.index === mass.index)) singleMg = toMg(num(mass[1]) ?? NaN, mass[2], iuPerMg);
  }
  const valid = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined);
  const result = { singleMg: valid(singleMg), dailyMg: valid(dailyMg), dailyIsLimit: dailyIsLimit || cappedDaily, unitMg, units: valid(units ?? bareUnits), volumeMl: valid(volumeMl) };
  return result.singleMg !== undefined || result.dailyMg !== undefined || (product?.ingredients && (result.units ?? result.volumeMl)) ? result : undefined;
}

/** Administrations per 24 hours, taking the most frequent reading ("every 4 to 6 hours" → 6). */
export function frequencyOf(text: string): number | undefined {
  const every = PATTERNS.everyHours.exec(text);
  const cap = statedTimes(text);
  if (every) {
    // A range ("every 4 to 6 hours") reads as label text does: the usual, longer interval.
    const hours = Math.max(...[every[1], every[2], every[3]].filter(Boolean).map(Number));
    // "every 4 hours, up to 5 times a day": the stated cap bounds the interval's six.
    if (hours > 0) return cap !== undefined ? Math.min(cap, Math.floor(24 / hours)) : Math.floor(24 / hours);
  }
  if (PATTERNS.hourly.test(text)) return 24;
  if (cap !== undefined) return cap;
  // "once a week" is no daily schedule; otherwise "daily", "each day", "at bedtime" mean once a day.
  if (WEEKLY.test(text.replace(NOT_WEEKLY, ' '))) return undefined;
  if (/\b(?:each|every|a|per)\s+day\b|\bdaily\b|\bnightly\b|\bonce\b|\bat (?:bedtime|night)\b|\b(?:each|every|in the) (?:morning|evening|night)\b/i.test(text)) return 1;
  return undefined;
}

/** "Daily instead of weekly": the week is what the reply moves away from. */
const NOT_WEEKLY = /\b(?:instead of|rather than|not)\s+(?:(?:once|one time)\s+)?(?:a\s+)?(?:weekly|week)\b/gi;

/** A weekly schedule ("once a week", "weekly", "every Friday"), not a duration ("daily for a week"). */
const WEEKLY = /\bweekly\b|\b(?:once|twice|one time|two times|three times|every|each|per)\s+(?:a\s+)?week\b|(?<!\bfor\s)\ba week\b|\bevery\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\bon\s+(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b/i;

/** A count of administrations the text states ("three times a day", "tds", "up to 4 doses"), which also bounds an interval. */
function statedTimes(text: string): number | undefined {
  const times = PATTERNS.timesPerDay.exec(text);
  if (times) {
    if (times[2]) return Number(times[2]);
    if (times[3]) return Number(times[3]);
    return TIMES[(times[1] ?? times[4]).toLowerCase()];
  }
  const upTo = PATTERNS.perDayUpTo.exec(text);
  return upTo ? num(upTo[1]) : undefined;
}

/** "take 2 every 4 hours": a bare count after a verb, with a schedule to show it counts doses. */
const BARE_COUNT_TAKEN = /\b(?:take|have|give|use|try)\s+(?:up to\s+)?(one|two|three|four|five|six|[1-6])\s+(?=every\b|at a time\b|at once\b|q\s?\d|a day\b|each time\b|together\b)/i;
const ANY_DOSE = new RegExp(String.raw`${NUM}\s*(?:whole\s+|full\s+|extra\s+)?(?:${MASS_UNIT}|${VOLUME_UNIT}|${COUNT_UNIT})\b|${BARE_COUNT_TAKEN.source}|${SCHEDULE_SLOT.source}`, 'i');

/** "Take …", "you can give her …", "he needs …": a sentence that tells someone what to take, not one that reports a figure. */
/** A sentence that tells someone to take, give or use something (with or without an amount). */
export const INSTRUCTION =
  /\bgo(?:ing)?\s+up\s+to\s+\d|\bthat'?s (?:fine|ok|okay|safe) for (?:you|him|her)\b|\b(?:morning|breakfast|lunch|evening|bedtime|night)\s*[:=\-–]\s*(?:one|two|three|four|[1-4])\b|\btaking\s+(?:one|two|three|four|\d+|a|an)\s+(?:whole\s+)?(?:tablets?|capsules?|caplets?|pills?|doses?|puffs?)\b|\b(?:give|take)\s+(?:him|her|them|your\s+\w+|the|it|one|two|three|\d+(?:\.\d+)?|half|a|an)\b|\b(?:fine|ok|okay|safe|alright|best|better)\s+to\s+(?:take|give|use|have|try|start)\b|\b(?:that'?s|this is|it'?s|that is)\s+(?:the\s+|a\s+)?(?:standard|usual|normal|right|correct|recommended|typical|safe|fine)\b[^.!?]{0,30}\bdose\b|(?:^|[,;:\u2014\u2013-]\s*|\b(?:then|just|and|now|simply|please|so|yes)\s+)(?:take|give|use|have|try|start|swallow|chew|dissolve|apply|repeat|increase|double|go up to)\b|\b(?:you|he|she|they|your (?:son|daughter|child|baby|kid)|(?:the )?(?:child|baby|adults?|kids?))\s+(?:can|could|should|may|might|will|would|need to|needs to|ought to)\s+(?:safely\s+|also\s+|just\s+)?(?:take|have|give|use|try|start|get|go up to)\b|\b(?:he|she|they|you|it)\s+(?:needs?|requires?)\b|\bthe (?:usual|right|correct|recommended) dose (?:for \w+ )?is\b/i;

/** "(100 mg/5 ml)", "250mg in 5ml": a liquid's concentration stated in the drug's own sentence. */
const CONCENTRATION = /(\d+(?:\.\d+)?)\s*mg\s*(?:\/|per|in)\s*(\d+(?:\.\d+)?)?\s*ml\b/i;

function liquidStrengthNear(sentence: string, mention: DrugMention): ProductStrength | undefined {
  const m = CONCENTRATION.exec(sentence);
  if (!m) return undefined;
  const mg = Number(m[1]);
  const ml = m[2] ? Number(m[2]) : 1;
  return mg > 0 && ml > 0 ? { name: mention.surface.toLowerCase(), drug: mention.ref, mgPerMl: mg / ml } : undefined;
}

/** "Take one every 4 hours": a count of what was just named, with its schedule. */
const COUNT_THEN_SCHEDULE = /\b(?:take|have|use|give)\s+(one|two|three|four|a|1|2|3|4)\b(?!\s*(?:mg|g|ml|mcg|microgram|unit))/i;

/** Index of the first stated amount at or after `from`. */
export function firstDoseAt(text: string, from: number): number {
  const dose = ANY_DOSE.exec(text.slice(from));
  return dose ? from + dose.index : text.length;
}

/** Start of the first sentence that tells the patient to take an amount ("Take 0.6 mg every hour"), if any. */
export function firstDoseSentence(text: string): number | undefined {
  for (let start = 0; start < text.length; ) {
    const end = nextSentenceEnd(text, start);
    const sentence = text.slice(start, end);
    if (ANY_DOSE.test(sentence) && INSTRUCTION.test(sentence.trim())) return start;
    start = end + 1;
  }
  return undefined;
}

function nextSentenceEnd(text: string, from: number): number {
  const match = /[.!?\n](\s|$)/.exec(text.slice(from));
  return match ? from + match.index : text.length;
}

function previousSentenceEnd(text: string, before: number): number {
  const head = text.slice(0, before);
  const matches = [...head.matchAll(/[.!?\n](\s|$)/g)];
  const last = matches.at(-1);
  return last ? (last.index ?? 0) + last[0].length : 0;
}
