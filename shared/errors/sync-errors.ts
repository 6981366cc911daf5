/** Sync engine, outbox and referent actions (owned by electron/services/sync). */
export type SyncErrorCode =
  | 'SYNC_ALREADY_RUNNING'
  | 'SYNC_CANCELLED'
  | 'ACTION_NOT_ALLOWED'
  | 'RESOURCE_INVALID'
  | 'CDA_INVALID'
  | 'OUTBOX_ITEM_NOT_FOUND';
