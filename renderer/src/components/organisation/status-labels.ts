import { displayOf, STATUT_ESMS, STATUT_UNITE } from '@shared/terminology/code-lists';

/** A status as ViaTrajectoire words it, with its code (the referent compares both desks' values). */
export const esmsStatusLabel = (code: string): string => `${displayOf(STATUT_ESMS, code) ?? 'Statut'} (${code})`;
export const unitStatusLabel = (code: string): string => `${displayOf(STATUT_UNITE, code) ?? 'Statut'} (${code})`;
