/** French labels of the status and motif codes, as ViaTrajectoire shows them. */
import type { StatusReport } from '@shared/domain/status-report';
import type { StatusWords } from '@shared/domain/worklist';
import { MOTIF_ESMS, MOTIF_UNITE, STATUT_ESMS, STATUT_UNITE, displayOf } from '@shared/terminology/code-lists';

export const esmsStatusLabel = (code: string | null | undefined) =>
  code ? (displayOf(STATUT_ESMS, code) ?? `Statut ${code}`) : null;
export const unitStatusLabel = (code: string | null | undefined) =>
  code ? (displayOf(STATUT_UNITE, code) ?? `Statut ${code}`) : null;
export const esmsMotifLabel = (code: string | null | undefined) =>
  code ? (displayOf(MOTIF_ESMS, code) ?? `Motif ${code}`) : null;
export const unitMotifLabel = (code: string | null | undefined) =>
  code ? (displayOf(MOTIF_UNITE, code) ?? `Motif ${code}`) : null;

/**
 * One status to send, as the referent reads it (labels only) and, apart, its codes for support: the screen shows
 * the codes folded in a "détail technique", never in the sentence.
 */
export function describeReport(report: StatusReport, index: number): StatusWords {
  const words: string[] = [];
  const codes: string[] = [];
  if (report.statutESMS) {
    words.push(
      `Statut ESMS « ${esmsStatusLabel(report.statutESMS)} »` +
        (report.motifESMS ? `, motif « ${esmsMotifLabel(report.motifESMS)} »` : ''),
    );
    codes.push(`statut ESMS ${report.statutESMS}` + (report.motifESMS ? `, motif ${report.motifESMS}` : ''));
  }
  if (report.statutUnite) {
    words.push(
      `Unité « ${report.unit?.nomUnite ?? ''} » : « ${unitStatusLabel(report.statutUnite)} »` +
        (report.motifUnite ? `, motif « ${unitMotifLabel(report.motifUnite)} »` : ''),
    );
    codes.push(
      `unité ${report.unit?.idUnite ?? '?'} : statut ${report.statutUnite}` +
        (report.motifUnite ? `, motif ${report.motifUnite}` : ''),
    );
  }
  const iso = report.dateStatutUnite ?? report.dateStatutESMS;
  // Shown to the referent: French date order.
  const date = iso ? iso.split('-').reverse().join('/') : 'sans date';
  return {
    text: `Envoi ${index + 1} (${date}) : ${words.join(' ; ')}`,
    technical: `Envoi ${index + 1} : ${codes.join(' ; ')}`,
  };
}

/** The Tasks an action or a reprise line will send, in order. */
export function describeReports(reports: readonly StatusReport[]): StatusWords[] {
  return reports.map(describeReport);
}

/** How another open unit line would be closed (unit status and motif). */
export function describeUnitClosing(statut: string, motif: string): StatusWords {
  return {
    text: `« ${unitStatusLabel(statut)} », motif « ${unitMotifLabel(motif)} »`,
    technical: `statut d’unité ${statut}, motif ${motif}`,
  };
}

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
