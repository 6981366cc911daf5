/** fr-FR formatting of the ISO dates and instants the contract carries. */
import { localToday } from '@shared/domain/local-day';

const DATE = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
const INSTANT = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'medium' });
/** Made once: a formatter costs about a millisecond to create, and the work list's count is formatted on each render. */
const COUNT = new Intl.NumberFormat('fr-FR');

const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * dd/mm/yyyy, as fr-FR writes it: composed directly for four-digit years (Intl's format costs tens of microseconds a
 * call, and the work list formats three dates for each row entering it as it scrolls), Intl's for the others.
 */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) return DATE.format(d);
  return `${twoDigits(d.getUTCDate())}/${twoDigits(d.getUTCMonth() + 1)}/${year}`;
}

export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : INSTANT.format(d);
}

export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** Today's local date, YYYY-MM-DD (business dates are local). */
export function todayIso(): string {
  return localToday(new Date());
}

export function formatDays(days: number | null | undefined): string {
  if (days == null) return '—';
  return days <= 1 ? `${days} jour` : `${formatCount(days)} jours`;
}
