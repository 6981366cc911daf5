/**
 * Dates as the referent types and reads them, jj/mm/aaaa, whatever the browser's locale: the native date control
 * follows the system's language (mm/dd/yyyy and English messages on an English system), so the app has its own.
 */

/** ISO YYYY-MM-DD → jj/mm/aaaa ('' when empty or not an ISO date). */
export function isoToFrench(iso: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
}

/**
 * jj/mm/aaaa (also j/m/aaaa, or with '.' or '-' between) → ISO YYYY-MM-DD, or null when it is not a real calendar
 * date (31/02/2026 is refused, not moved to March).
 */
export function frenchToIso(text: string): string | null {
  const m = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text);
  if (!m) return null;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The French message for what the referent typed, or null when the date is acceptable. */
export function dateInputError(
  text: string,
  rules: { readonly required?: boolean; readonly min?: string; readonly max?: string },
): string | null {
  if (text.trim() === '') return rules.required ? 'Saisissez une date (jj/mm/aaaa).' : null;
  const iso = frenchToIso(text);
  if (!iso) return 'Date invalide : saisissez-la au format jj/mm/aaaa, par exemple 02/11/2026.';
  if (rules.max && iso > rules.max) return `La date ne peut pas être postérieure au ${isoToFrench(rules.max)}.`;
  if (rules.min && iso < rules.min) return `La date ne peut pas être antérieure au ${isoToFrench(rules.min)}.`;
  return null;
}
