/**
 * Pilot onboarding ("parcours de raccordement", docs/functional-rules.md §8), data reprise (§7) and the
 * cleanup assistant (§9): the DTOs the renderer shows, plus the pure parsing of the reprise CSV the referent imports.
 */

import type { StatusWords } from './worklist';

// --- Raccordement checklist

export type OnboardingCheckId =
  | 'certificat'
  | 'identifiants-client'
  | 'activation-ej'
  | 'activation-eg'
  | 'profil-pilote'
  | 'unites-ror'
  | 'premiere-notification'
  | 'statut-liste-attente';

export type OnboardingCheckStatus = 'ok' | 'a-faire';

/** Where the referent fixes a step: a section of the app (navigation.ts path). */
export interface OnboardingFix {
  readonly label: string;
  readonly section: string;
}

export interface OnboardingCheck {
  readonly id: OnboardingCheckId;
  readonly label: string;
  readonly status: OnboardingCheckStatus;
  /** What was looked at, in French: timestamps, counts, Task ids. No personal data. */
  readonly evidence: readonly string[];
  /** The action that fixes it; null when green. */
  readonly fix: OnboardingFix | null;
}

export interface OnboardingEstablishment {
  readonly finessEg: string;
  readonly name: string;
  readonly vtActivated: boolean;
  readonly localActivated: boolean;
  readonly esat: boolean;
  readonly unitCount: number;
}

export interface OnboardingChecklist {
  readonly computedAt: string;
  readonly environmentId: string;
  readonly environmentLabel: string;
  readonly legalEntity: { readonly finessEj: string; readonly name: string } | null;
  readonly establishments: readonly OnboardingEstablishment[];
  readonly checks: readonly OnboardingCheck[];
  readonly allGreen: boolean;
}

export interface OnboardingReportFile {
  readonly fileName: string;
  /** The PDF, base64 (JSON-safe across IPC); the renderer downloads it as a Blob. */
  readonly base64: string;
  readonly allGreen: boolean;
}

// --- Reprise: "Forcer le statut ViaTrajectoire"

/** The situation known in the ESMS (DUI or paper) for a person before the connection. */
export type RepriseSituation = 'attente' | 'admissible' | 'admis' | 'pris-en-charge' | 'sorti';

export const REPRISE_SITUATION_LABELS: Record<RepriseSituation, string> = {
  attente: "En liste d'attente (demande d'admission reçue)",
  admissible: "En liste d'attente (admissible)",
  admis: "En liste d'attente (admis, entrée à venir)",
  'pris-en-charge': 'Pris en charge',
  sorti: 'Sorti',
};

/** One line of the reprise file, as read. */
export interface RepriseEntry {
  /** 1-based line number in the file (the referent's reference for each result). */
  readonly line: number;
  /** idDecision (MDPH decision number), idNat_Decision or MDPH individual number. */
  readonly identifiant: string;
  readonly situation: RepriseSituation;
  /** idROR of the unit (or its exact name). */
  readonly unite: string;
  /** Business date: request, admission, entry or exit date, YYYY-MM-DD. */
  readonly date: string;
  /** J250 motif, required for "sorti" (188). */
  readonly motif?: string;
  /** Date the person's consent was collected (flux 2), YYYY-MM-DD. */
  readonly accord?: string;
}

export interface RepriseParseError {
  readonly line: number;
  readonly message: string;
}

export interface RepriseParseResult {
  readonly entries: readonly RepriseEntry[];
  readonly errors: readonly RepriseParseError[];
}

export type ReprisePlanOutcome = 'a-envoyer' | 'deja-envoye' | 'impossible';

/** What will be sent for one line (preview). */
export interface ReprisePlanLine {
  readonly line: number;
  readonly identifiant: string;
  readonly outcome: ReprisePlanOutcome;
  /** Why it cannot be sent, or what is already there. */
  readonly reason: string | null;
  readonly notificationId: number | null;
  /** Person as shown in the work list (the referent's own data, never logged). */
  readonly personLabel: string | null;
  readonly finessEg: string | null;
  readonly unitName: string | null;
  /** The Task(s) in words, codes apart. */
  readonly statuses: readonly StatusWords[];
  readonly consent: string | null;
}

export interface ReprisePreview {
  readonly lines: readonly ReprisePlanLine[];
  readonly parseErrors: readonly RepriseParseError[];
  readonly toSend: number;
  readonly alreadySent: number;
  readonly impossible: number;
}

export type ReprisePushOutcome = 'ok' | 'deja-envoye' | 'refuse';

export interface ReprisePushLine {
  readonly line: number;
  readonly identifiant: string;
  readonly outcome: ReprisePushOutcome;
  readonly reason: string | null;
  readonly notificationId: number | null;
  readonly outboxIds: readonly number[];
}

export interface ReprisePushResult {
  readonly dryRun: boolean;
  readonly lines: readonly ReprisePushLine[];
  readonly parseErrors: readonly RepriseParseError[];
  readonly ok: number;
  readonly alreadySent: number;
  readonly refused: number;
}

/** After the sync: what ViaTrajectoire answered for each line. */
export type RepriseDeliveryState = 'non-envoye' | 'en-attente' | 'accepte' | 'refuse';

export interface RepriseDeliveryLine {
  readonly line: number;
  readonly identifiant: string;
  readonly state: RepriseDeliveryState;
  readonly reason: string | null;
  readonly taskIds: readonly string[];
}

// --- Cleanup assistant

export type CleanupFindingKind = 'doublon' | 'notification-expiree' | 'liste-attente-perimee';

export interface CleanupFinding {
  readonly kind: CleanupFindingKind;
  /** The notifications concerned; the first is the one to open. */
  readonly notificationIds: readonly number[];
  readonly personLabel: string;
  readonly finessEg: string;
  readonly egName: string;
  readonly detail: string;
  readonly proposedAction: string;
}

export interface CleanupReport {
  readonly computedAt: string;
  readonly staleDays: number;
  readonly findings: readonly CleanupFinding[];
  readonly counts: Readonly<Record<CleanupFindingKind, number>>;
}

export const DEFAULT_STALE_DAYS = 180;

// --- Reprise CSV

const HEADER_ALIASES: Record<string, keyof Omit<RepriseEntry, 'line'>> = {
  identifiant: 'identifiant',
  iddecision: 'identifiant',
  numeroindividu: 'identifiant',
  situation: 'situation',
  unite: 'unite',
  idror: 'unite',
  date: 'date',
  motif: 'motif',
  accord: 'accord',
  dateaccord: 'accord',
};

const DEFAULT_COLUMNS: readonly (keyof Omit<RepriseEntry, 'line'>)[] = [
  'identifiant',
  'situation',
  'unite',
  'date',
  'motif',
  'accord',
];

const SITUATION_ALIASES: Record<string, RepriseSituation> = {
  attente: 'attente',
  'en-attente': 'attente',
  'liste-attente': 'attente',
  admissible: 'admissible',
  admis: 'admis',
  'pris-en-charge': 'pris-en-charge',
  'prise-en-charge': 'pris-en-charge',
  present: 'pris-en-charge',
  entre: 'pris-en-charge',
  sorti: 'sorti',
  sortie: 'sorti',
};

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_']+/g, '-');
}

/** YYYY-MM-DD or DD/MM/YYYY → YYYY-MM-DD, checked as a calendar date; null otherwise. */
export function parseBusinessDate(text: string): string | null {
  const t = text.trim();
  let iso: string | null = null;
  const fr = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(t);
  if (fr) iso = `${fr[3]}-${fr[2]}-${fr[1]}`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) iso = t;
  if (!iso) return null;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}

function splitLine(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/**
 * Reads the reprise file: `identifiant;situation;unite;date;motif;accord` (`;` or `,`, header optional, columns
 * in any order when a header names them). Each bad line is reported with its number; good lines are kept.
 */
export function parseRepriseCsv(text: string): RepriseParseResult {
  const rawLines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: RepriseEntry[] = [];
  const errors: RepriseParseError[] = [];
  const first = rawLines.find((l) => l.trim() !== '') ?? '';
  const separator = (first.match(/;/g)?.length ?? 0) >= (first.match(/,/g)?.length ?? 0) ? ';' : ',';
  let columns: readonly string[] = DEFAULT_COLUMNS;
  rawLines.forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    const cells = splitLine(raw, separator);
    const folded = cells.map((c) => fold(c).replace(/-/g, ''));
    if (entries.length === 0 && errors.length === 0 && folded.includes('situation')) {
      columns = folded.map((c) => HEADER_ALIASES[c] ?? `(${c})`);
      return;
    }
    const get = (name: keyof Omit<RepriseEntry, 'line'>) => {
      const at = columns.indexOf(name);
      return at >= 0 ? (cells[at] ?? '').trim() : '';
    };
    const identifiant = get('identifiant');
    const situation = SITUATION_ALIASES[fold(get('situation'))];
    const unite = get('unite');
    const date = parseBusinessDate(get('date'));
    const motif = get('motif');
    const accordText = get('accord');
    const accord = accordText ? parseBusinessDate(accordText) : null;
    const problems: string[] = [];
    if (!identifiant) problems.push('identifiant manquant');
    if (!situation) problems.push('situation inconnue (attente, admissible, admis, pris-en-charge ou sorti)');
    if (!unite) problems.push('unité manquante');
    if (!date) problems.push('date manquante ou invalide (AAAA-MM-JJ ou JJ/MM/AAAA)');
    if (situation === 'sorti' && !motif) problems.push('motif de sortie manquant');
    if (accordText && !accord) problems.push("date de l'accord invalide");
    if (problems.length > 0 || !situation || !date) {
      errors.push({ line: lineNo, message: `Ligne ${lineNo} : ${problems.join(', ')}.` });
      return;
    }
    entries.push({
      line: lineNo,
      identifiant,
      situation,
      unite,
      date,
      ...(motif ? { motif } : {}),
      ...(accord ? { accord } : {}),
    });
  });
  return { entries, errors };
}
