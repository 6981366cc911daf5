/** fr-FR formatting of the ISO dates and instants the contract carries. */
import { localToday } from '@shared/domain/local-day';

const DATE = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
const INSTANT = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'medium' });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : DATE.format(d);
}

export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : INSTANT.format(d);
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat('fr-FR').format(n);
}

/** Today's local date, YYYY-MM-DD (business dates are local). */
export function todayIso(): string {
  return localToday(new Date());
}

export function formatDays(days: number | null | undefined): string {
  if (days == null) return '—';
  return days <= 1 ? `${days} jour` : `${formatCount(days)} jours`;
}
