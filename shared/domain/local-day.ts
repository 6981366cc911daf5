/**
 * The one rule for business dates: a date is the referent's local calendar day (Europe/Paris for a French ESMS),
 * never the UTC day of the instant. Every status date the app fills in by itself (carry-over, "today" defaults)
 * comes from here.
 */
export function localToday(now: Date): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}
