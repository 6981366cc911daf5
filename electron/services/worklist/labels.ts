/** French labels of the status and motif codes, as ViaTrajectoire shows them. */
import { MOTIF_ESMS, MOTIF_UNITE, STATUT_ESMS, STATUT_UNITE, displayOf } from '@shared/terminology/code-lists';

export const esmsStatusLabel = (code: string | null | undefined) =>
  code ? (displayOf(STATUT_ESMS, code) ?? `Statut ${code}`) : null;
export const unitStatusLabel = (code: string | null | undefined) =>
  code ? (displayOf(STATUT_UNITE, code) ?? `Statut ${code}`) : null;
export const esmsMotifLabel = (code: string | null | undefined) =>
  code ? (displayOf(MOTIF_ESMS, code) ?? `Motif ${code}`) : null;
export const unitMotifLabel = (code: string | null | undefined) =>
  code ? (displayOf(MOTIF_UNITE, code) ?? `Motif ${code}`) : null;

export { displayFamilyName } from '@shared/domain/person-name';

/** Lower-case, accents removed: what the search compares. */
export function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** Whole days between two ISO dates (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round(
    (Date.parse(`${b.slice(0, 10)}T00:00:00Z`) - Date.parse(`${a.slice(0, 10)}T00:00:00Z`)) / 86_400_000,
  );
}
