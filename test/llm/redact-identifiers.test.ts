import { redactIdentifiers } from '../../src/llm/redact-identifiers';

test.each([
  ['write to jane.doe+gp@clinic.example.co.uk today', 'write to [email] today'],
  ['call 555-123-4567 or (555) 123 4567', 'call [phone] or [phone]'],
  ['my mobile is +44 7700 900123', 'my mobile is [phone]'],
  ['MRN: 00438291, NHS number 943 476 5919', '[id], [id]'],
  ['patient id AB-123456 seen', '[id] seen'],
  ['SSN 123-45-6789', '[id]'],
  ['DOB 03/04/1980, date of birth: 1980-04-03', '[date of birth], [date of birth]'],
  ['born on 3rd April 1980 in town', '[date of birth] in town'],
  ['seen on 12 March 2024 and March 12, 2024', 'seen on [date] and [date]'],
  ['account 123456789', 'account [number]'],
  ['Hi, my name is Sam Patel and Mrs Jones told me', 'Hi, my name is [name] and [name] told me'],
])('%s', (text, expected) => {
  expect(redactIdentifiers(text)).toBe(expected);
});

test('clinical content survives: doses, ranges, frequencies, years, ages and "MS"', () => {
  const text = 'Take 500-1000 mg every 4-6 hours, max 4000 mg/day; 2 x 200 mg; I am 45, I have MS since 2019; INR 2.5; BP 140/90.';
  expect(redactIdentifiers(text)).toBe(text);
});

test('strings the caller knows to identify the patient are removed wherever they appear', () => {
  expect(redactIdentifiers('Thanks ADAEZE, Okonkwo family history noted', ['Adaeze', 'Okonkwo'])).toBe('Thanks [name], [name] family history noted');
});
