/**
 * The "Bac à sable" screen: a trainer plays the MDPH (and ViaTrajectoire's failures) on the sandbox the app embeds.
 * Fake data only. The fault form is built from SANDBOX_FAULT_FIELDS: a new fault of the sandbox is one entry here.
 */

export interface SandboxEstablishment {
  readonly finessEg: string;
  readonly finessEj: string;
  readonly name: string;
  readonly active: boolean;
  /** Orientation categories (TRE_R204) its ROR units accept: what generated decisions carry. */
  readonly categories: readonly { readonly code: string; readonly label: string }[];
}

export interface SandboxDecision {
  readonly idNatDecision: string;
  readonly idDecision: string;
  readonly targetedEgs: readonly string[];
  /** Fake person's name. */
  readonly person: string;
  readonly categoryLabel: string | null;
  /** « Attribution », « Clôture de droit »… */
  readonly typeLabel: string | null;
  readonly dateDeDecision: string | null;
}

export type SandboxFaultValue = number | string | boolean;

export interface SandboxOverview {
  /** The embedded sandbox answers (only on the local sandbox environment). */
  readonly available: boolean;
  /** Why it is not, in French. */
  readonly message?: string;
  /** For a trainer driving it from a terminal (`npm run sandbox -- …` finds them by itself). */
  readonly adminUrl?: string;
  readonly adminToken?: string;
  readonly stateFile?: string;
  readonly decisionCount?: number;
  readonly establishments: readonly SandboxEstablishment[];
  readonly recentDecisions: readonly SandboxDecision[];
  readonly faults: Readonly<Record<string, SandboxFaultValue>>;
  /** Broken answers in force (SANDBOX_BROKEN_ANSWERS). */
  readonly brokenAnswers: readonly SandboxBrokenAnswer[];
}

/** Flux 5 events the MDPH (or another ESMS) emits, with the code ViaTrajectoire gives them. */
export const SANDBOX_EVENTS = [
  { id: 'cancel-notification', code: '49', label: 'Annuler la notification' },
  { id: 'reactivate-notification', code: '54', label: 'Réactiver la notification' },
  { id: 'ratify-admission-impossible', code: '46', label: 'Entériner l’admission impossible' },
  { id: 'cancel-decision', code: '37', label: 'Annuler la décision' },
  { id: 'entry-elsewhere', code: '47', label: 'Entrée dans un autre ESMS' },
] as const;

export type SandboxEventId = (typeof SANDBOX_EVENTS)[number]['id'];
export const SANDBOX_EVENT_IDS = SANDBOX_EVENTS.map((e) => e.id) as [SandboxEventId, ...SandboxEventId[]];

export interface SandboxFaultField {
  /** The sandbox's fault setting name. */
  readonly key: string;
  readonly label: string;
  /** rate: a share 0–1 entered as a percentage; ms / seconds: a duration; text: free text. */
  readonly kind: 'rate' | 'ms' | 'seconds' | 'text';
  readonly help?: string;
}

export const SANDBOX_FAULT_FIELDS: readonly SandboxFaultField[] = [
  { key: 'latencyMs', label: 'Latence ajoutée à chaque réponse', kind: 'ms' },
  { key: 'rate5xx', label: 'Réponses « service indisponible » (503)', kind: 'rate' },
  { key: 'rate429', label: 'Réponses « trop de requêtes » (429)', kind: 'rate' },
  { key: 'retryAfterSeconds', label: 'Délai demandé avant de réessayer (429)', kind: 'seconds' },
  { key: 'resetRate', label: 'Connexions coupées sans réponse', kind: 'rate' },
  { key: 'malformedRate', label: 'Réponses JSON tronquées', kind: 'rate' },
];

/** Largest CDA file the screen sends (the request is JSON: its base64 must stay under the IPC limit). */
export const SANDBOX_MAX_CDA_BYTES = 600_000;

/**
 * Broken answers ViaTrajectoire may give when a decision is read (flux 1): the sandbox serves the chosen decision's
 * read with this body, as is, until the trainer removes it (or once). What the sync does with each is the point of
 * the exercise: kept « à relire » (read again at each sync) or put in quarantine, the rest of the run going on.
 */
export const SANDBOX_BROKEN_ANSWERS = [
  { id: 'reponse-tronquee', label: 'Réponse coupée en plein milieu (JSON tronqué)' },
  { id: 'operationoutcome-200', label: 'Erreur annoncée comme un succès (OperationOutcome avec le statut HTTP 200)' },
  { id: 'page-html', label: 'Page HTML à la place de la décision (portail en maintenance)' },
  { id: 'reponse-vide', label: 'Réponse vide (statut HTTP 200 sans contenu)' },
  { id: 'autre-identifiant', label: 'Document d’un autre identifiant que celui demandé' },
  { id: 'imbrication-profonde', label: 'Document imbriqué sur 5 000 niveaux' },
] as const;

export type SandboxBrokenAnswerId = (typeof SANDBOX_BROKEN_ANSWERS)[number]['id'];
export const SANDBOX_BROKEN_ANSWER_IDS = SANDBOX_BROKEN_ANSWERS.map((b) => b.id) as [
  SandboxBrokenAnswerId,
  ...SandboxBrokenAnswerId[],
];

/** A broken answer in force, as the Bac à sable screen lists it. */
export interface SandboxBrokenAnswer {
  /** What is broken, in French (the kind's label). */
  readonly label: string;
  /** The decision whose read answers it (person — number), when it is among the recent ones. */
  readonly decision: string | null;
  /** Answers served so far. */
  readonly served: number;
  /** Served once only, then dropped. */
  readonly once: boolean;
}

/** The faults in force, in the trainer's words (the journal's detail): « Réponses … (503) : 100 % ». */
export function describeFaults(faults: Readonly<Record<string, SandboxFaultValue>>): string {
  const inForce = SANDBOX_FAULT_FIELDS.filter((f) => {
    const value = faults[f.key];
    // The delay asked with a 429 means nothing without 429s.
    return value !== undefined && value !== 0 && value !== '' && value !== false && f.key !== 'retryAfterSeconds';
  }).map((f) => {
    const value = faults[f.key];
    const shown =
      f.kind === 'rate' && typeof value === 'number'
        ? `${Math.round(value * 1000) / 10} %`
        : f.kind === 'ms'
          ? `${String(value)} ms`
          : f.kind === 'seconds'
            ? `${String(value)} s`
            : String(value);
    return `${f.label} : ${shown}`;
  });
  return inForce.length > 0 ? inForce.join(' ; ') : 'aucune panne';
}
