import { afterAll, beforeAll, expect, it } from 'vitest';
import { localToday } from './local-day';

let previousTz: string | undefined;
beforeAll(() => {
  previousTz = process.env['TZ'];
  // Node reads TZ again when it is assigned: the referent's zone for this file's dates.
  process.env['TZ'] = 'Europe/Paris';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = previousTz;
});

it.each([
  // Winter (UTC+1): half an hour before and after local midnight.
  ['2026-01-14T22:30:00Z', '2026-01-14'],
  ['2026-01-14T23:30:00Z', '2026-01-15'],
  // The spring change (29 March 2026, 02:00 → 03:00): the night before and the evening after, in UTC+2.
  ['2026-03-28T23:30:00Z', '2026-03-29'],
  ['2026-03-29T21:59:00Z', '2026-03-29'],
  ['2026-03-29T22:00:00Z', '2026-03-30'],
  // Summer (UTC+2): 22:30 UTC is already the next day in Paris.
  ['2026-06-30T22:30:00Z', '2026-07-01'],
  // The autumn change (25 October 2026, 03:00 → 02:00): back to UTC+1 the same evening.
  ['2026-10-24T22:30:00Z', '2026-10-25'],
  ['2026-10-25T22:30:00Z', '2026-10-25'],
  ['2026-10-25T23:00:00Z', '2026-10-26'],
])('%s is %s in Paris', (instant, day) => {
  expect(localToday(new Date(instant))).toBe(day);
});
