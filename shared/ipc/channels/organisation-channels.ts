/**
 * Organisation mode (issue 14): where the desk keeps its data (its own encrypted SQLite or the organisation's
 * PostgreSQL), the connection test, the desk → organisation migration assistant and the organisation admin's
 * screen. Passwords go in only (write-only); the CA comes in as the file's bytes, never as a path.
 */
import { z } from 'zod';
import { channel } from '../channel';

/** "Poste seul": the desk's encrypted SQLite (default). "Organisation": the organisation's PostgreSQL server. */
export type StoreMode = 'poste' | 'organisation';

export interface OrganisationCaSummary {
  readonly subject: string;
  readonly validTo: string;
  readonly sha256Fingerprint: string;
}

export interface OrganisationSettingsSummary {
  readonly mode: StoreMode;
  /** Whether a password is kept (never the password). */
  readonly passwordSet: boolean;
  /** The settings file could not be read: shown as "Poste seul"; saving replaces it (a copy of it is kept). */
  readonly settingsDamaged?: boolean;
  readonly server?: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly schema: string;
    readonly ca: readonly OrganisationCaSummary[] | undefined;
    /** verify-full over the network; a Unix socket on this computer needs no TLS. */
    readonly tls: 'verify-full' | 'socket-local';
  };
}

/**
 * Degraded start: "Organisation" is chosen but its store could not be opened (server unreachable, password lost,
 * settings damaged, schema missing, TLS refused). The session runs on the desk's own store, in consultation: no
 * sync, no sending, no status recorded. The mode is tried again at the next start.
 */
export interface OrganisationUnavailable {
  /** Stable error code, shown as « détail technique ». */
  readonly code: string;
  /** Why, in French (never a password). */
  readonly reason: string;
  /** ISO time of the failed opening. */
  readonly at: string;
}

export interface OrganisationSettingsResult extends OrganisationSettingsSummary {
  /** The mode the running session uses: a change takes effect at the next start. */
  readonly activeMode: StoreMode;
  readonly restartRequired: boolean;
}

const sqlName = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, 'nom PostgreSQL attendu');
/** A CA file is a few kilobytes; a bundle of a few certificates stays far below this. */
const caFileBase64 = z
  .string()
  .min(1, 'fichier vide')
  .max(Math.ceil(200_000 / 3) * 4, 'fichier trop volumineux')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'contenu base64 attendu');

export const organisationSettingsUpdate = z
  .object({
    mode: z.enum(['poste', 'organisation']).optional(),
    host: z.string().trim().min(1).max(255).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
    database: sqlName.optional(),
    user: sqlName.optional(),
    schema: sqlName.optional(),
    /** Write-only; clearPassword removes the kept one. */
    password: z.string().min(1).max(1024).optional(),
    clearPassword: z.boolean().optional(),
    /** The organisation's CA file (PEM or DER) as its bytes, read in the renderer. */
    caFileBase64: caFileBase64.optional(),
    clearCa: z.boolean().optional(),
  })
  .strict();
export type OrganisationSettingsUpdate = z.output<typeof organisationSettingsUpdate>;

export interface OrganisationConnectionStep {
  readonly label: string;
  readonly ok: boolean;
  /** French; never the password. */
  readonly message: string;
}

export interface OrganisationConnectionReport {
  readonly ok: boolean;
  readonly steps: readonly OrganisationConnectionStep[];
}

/** One table of the desk migration: what the desk holds and what happens to it. */
export interface DeskMigrationTableCount {
  readonly table: string;
  /** French label ("Décisions (avec leur CDA)"). */
  readonly label: string;
  /** Rows on the desk. */
  readonly desk: number;
  /** Rows copied into the organisation (or that would be, in a dry run). */
  readonly moved: number;
  /** Rows already in the organisation (same key: idNat_Decision, FINESS, client identifier…), linked, not copied. */
  readonly alreadyThere: number;
}

export type DeskMigrationConflictKind = 'statut-esms' | 'ligne-unite';

/** Two desks disagree on one notification: the organisation's value is kept and the notification flagged. */
export interface DeskMigrationConflict {
  readonly kind: DeskMigrationConflictKind;
  readonly idNatDecision: string;
  readonly finessEg: string;
  /** The ROR unit, for a unit line. */
  readonly idRor?: string;
  readonly organisation: { readonly status: string; readonly date: string | null };
  readonly desk: { readonly status: string; readonly date: string | null };
}

export interface DeskMigrationReport {
  readonly dryRun: boolean;
  /** True when the organisation's database was changed (not in a dry run, not when refused). */
  readonly applied: boolean;
  readonly tables: readonly DeskMigrationTableCount[];
  /** Decisions already present from another desk, merged by idNat_Decision. */
  readonly mergedDecisions: number;
  readonly conflicts: readonly DeskMigrationConflict[];
  /** Set when the migration was refused (conflicts not accepted): nothing was changed. */
  readonly refusal?: string;
}

export type OrganisationRole = 'référent' | 'coordinateur';

export interface OrganisationMember {
  readonly name: string;
  readonly role: OrganisationRole;
  readonly finessEgs: readonly string[];
  readonly active: boolean;
}

export interface OrganisationAdminOverview {
  /** The admin account signed in for this session (memory only), or undefined. */
  readonly signedInAs: string | undefined;
  readonly schemaVersion: number | undefined;
  readonly members: readonly OrganisationMember[];
  /** The EGs known to the organisation's database, to assign. */
  readonly geographicEntities: readonly { readonly finessEg: string; readonly name: string }[];
}

/** Offline review (docs/decisions.md §16): an action taken while the organisation's server was out of reach. */
export type OfflineActionState = 'en-attente' | 'rejouée' | 'conflit' | 'refusée' | 'écartée';

export interface OfflineAction {
  readonly id: number;
  /** A status (perform-action) or a consent. */
  readonly kind: 'statut' | 'accord';
  readonly notificationId: number;
  /** French, e.g. « Admission prononcée (notification 12) ». */
  readonly summary: string;
  readonly state: OfflineActionState;
  /** ISO time the referent took it. */
  readonly createdAt: string;
  /** Why it was not replayed (the conflict's French message). */
  readonly message?: string;
}

export interface OfflineReviewStatus {
  /**
   * 'hors-ligne': the session reads the workstation's snapshot, read-only, actions wait for the organisation;
   * 'en-ligne': the session runs on the organisation's store (the snapshot is kept up to date);
   * 'sans-objet': "Poste seul", or organisation unreachable with no snapshot yet.
   */
  readonly mode: 'hors-ligne' | 'en-ligne' | 'sans-objet';
  /** When the snapshot was copied, by the organisation server's clock (ISO). */
  readonly snapshotTakenAt?: string;
  /** Offline session: the organisation answered again then (waiting actions replayed; restart to resume). */
  readonly reachableAgainAt?: string;
  /** Offline session: the last attempt to reach the organisation, and why it failed (French). */
  readonly lastAttemptAt?: string;
  readonly lastAttemptError?: string;
  /** Waiting actions, then those not replayed (conflict, refusal) until set aside. */
  readonly actions: readonly OfflineAction[];
}

const finessEg = z.string().regex(/^\d{2}[0-9AB]\d{6}$/, 'FINESS attendu');
const adminPassword = z.string().min(1).max(1024);

export const organisationChannels = {
  'organisation:settings': channel<OrganisationSettingsResult>()(z.object({}).strict()),
  'organisation:update': channel<OrganisationSettingsResult>()(organisationSettingsUpdate),
  /** TLS, account, schema of the saved settings, step by step. */
  'organisation:test-connection': channel<OrganisationConnectionReport>()(z.object({}).strict()),
  /** Counts what would move from this desk's SQLite into the organisation and lists the conflicts; changes nothing. */
  'organisation:migration-dry-run': channel<DeskMigrationReport>()(z.object({}).strict()),
  /**
   * Moves the desk into the organisation in one transaction. With conflicts, refused unless acceptConflicts: then
   * the organisation's values are kept and each conflicting notification is flagged "à traiter".
   */
  'organisation:migration-run': channel<DeskMigrationReport>()(
    z.object({ acceptConflicts: z.boolean().default(false) }).strict(),
  ),

  /** Offline review: the snapshot's date, the actions waiting for the organisation and those in conflict. */
  'organisation:offline-status': channel<OfflineReviewStatus>()(z.object({}).strict()),
  /** « Se reconnecter »: tries the organisation now; when it answers, the waiting actions are replayed. */
  'organisation:reconnect': channel<OfflineReviewStatus>()(z.object({}).strict()),
  /** The referent has read a conflict or a refusal: it leaves the list. */
  'organisation:offline-dismiss': channel<OfflineReviewStatus>()(
    z.object({ id: z.number().int().positive() }).strict(),
  ),

  /** The organisation admin's account, kept in memory for this session only. */
  'organisation-admin:sign-in': channel<OrganisationAdminOverview>()(
    z.object({ user: sqlName, password: adminPassword }).strict(),
  ),
  'organisation-admin:sign-out': channel<OrganisationAdminOverview>()(z.object({}).strict()),
  'organisation-admin:overview': channel<OrganisationAdminOverview>()(z.object({}).strict()),
  'organisation-admin:create-schema': channel<OrganisationAdminOverview>()(z.object({}).strict()),
  'organisation-admin:add-member': channel<OrganisationAdminOverview>()(
    z
      .object({
        name: sqlName,
        password: z.string().min(12, '12 caractères au moins').max(1024),
        role: z.enum(['référent', 'coordinateur']),
      })
      .strict(),
  ),
  'organisation-admin:assign-egs': channel<OrganisationAdminOverview>()(
    z.object({ name: sqlName, finessEgs: z.array(finessEg).max(500) }).strict(),
  ),
  'organisation-admin:revoke': channel<OrganisationAdminOverview>()(z.object({ name: sqlName }).strict()),
} as const;
