export interface DashboardCounts {
  readonly notificationsActive: number;
  readonly notificationsATraiter: number;
  readonly notificationsNonLues: number;
  readonly waitingListEntries: number;
  readonly usersInCare: number;
  readonly validityEndingSoon: number;
  readonly outboxPending: number;
  readonly outboxRejected: number;
  readonly quarantined: number;
  readonly geographicEntitiesActive: number;
  readonly geographicEntitiesTotal: number;
  readonly lastSyncAt: string | null;
}

/** What arrived since the referent's previous visit ("Nouveau depuis votre dernière visite"). */
export interface NewSinceLastVisit {
  /** The previous visit; null on the first one (everything received so far is new). */
  readonly since: string | null;
  readonly notifications: number;
  /** The most recent ones, to open directly. */
  readonly latest: readonly {
    readonly id: number;
    readonly familyName: string;
    readonly givenNames: string;
    readonly egName: string;
  }[];
  /** Statuses received from ViaTrajectoire (flux 5). */
  readonly statusesReceived: number;
  /** Statuses refused by ViaTrajectoire. */
  readonly rejected: number;
}
