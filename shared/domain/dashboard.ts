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
