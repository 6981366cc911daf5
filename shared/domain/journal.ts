export type JournalActor = 'utilisateur' | 'synchronisation' | 'système';
export type JournalOutcome = 'succès' | 'échec' | 'info';

export interface JournalEntry {
  readonly id: number;
  /** ISO instant */
  readonly at: string;
  readonly actor: JournalActor;
  /** What happened, in French (e.g. « Certificat importé »). */
  readonly action: string;
  readonly recordType: string | null;
  readonly recordId: string | null;
  readonly outcome: JournalOutcome;
  /** Short French detail; never personal data. */
  readonly detail: string | null;
  /** What the entry is about, resolved when read (never stored): the person's name, the establishment's… */
  readonly subject?: JournalSubject | null;
}

/**
 * A failure's journal detail: the French message for the referent, then the error code for support. The Journal
 * screen shows the message and keeps the code in a "détail technique".
 */
export function journalErrorDetail(message: string, code: string): string {
  return `${message} [${code}]`;
}

/** The French text and the technical code of a journal detail (code null when there is none). */
export function splitJournalDetail(detail: string): { readonly text: string; readonly code: string | null } {
  const m = /^(.*?)\s*\[([A-Z][A-Z0-9_]*)\]$/s.exec(detail);
  // Entries written before this format: "CODE : message".
  const legacy = /^([A-Z][A-Z0-9_]+) : (.*)$/s.exec(detail);
  if (m) return { text: m[1] ?? '', code: m[2] ?? null };
  if (legacy) return { text: legacy[2] ?? '', code: legacy[1] ?? null };
  return { text: detail, code: null };
}

/** What a journal entry is about, as the referent names it, with where to open it. */
export interface JournalSubject {
  readonly label: string;
  /** App route (e.g. "notifications/23"), when there is a screen for it. */
  readonly route: string | null;
}
