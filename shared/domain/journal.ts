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
}
