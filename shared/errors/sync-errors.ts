/** Sync engine, outbox and referent actions (owned by electron/services/sync). */
export type SyncErrorCode =
  | 'SYNC_ALREADY_RUNNING'
  | 'SYNC_CANCELLED'
  /** Organisation mode: another workstation holds the sync lease (named in the message). */
  | 'SYNC_OTHER_HOLDER'
  /** Organisation mode: this workstation has no usable certificate (or role) to sync. */
  | 'SYNC_NOT_ELIGIBLE'
  /** Organisation mode: the lease passed to another workstation before the run was recorded. */
  | 'SYNC_LEASE_LOST'
  | 'ACTION_NOT_ALLOWED'
  /** The notification changed (a colleague, the sync) since the referent opened it: nothing was recorded. */
  | 'NOTIFICATION_CHANGED'
  | 'RESOURCE_INVALID'
  | 'CDA_INVALID'
  | 'OUTBOX_ITEM_NOT_FOUND';
