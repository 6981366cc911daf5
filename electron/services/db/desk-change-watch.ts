/**
 * The desk's SQLite written by another process — a headless `referent-vt sync --once` started by a service manager,
 * a command run on the same data folder — tells no one: unlike the organisation's PostgreSQL (live link,
 * organisation/live-link.ts) there is nothing to listen to. So the main process asks SQLite twice a second whether
 * another connection has committed (`PRAGMA data_version`, a few microseconds, no file read) and announces it as the
 * app's data:changed: the open screens reload and the work list is rebuilt before the referent asks for it.
 *
 * This process's own writes are announced by whoever made them: a handler after its transaction, the sync at the end
 * of its run. The sync worker writes through its own connection, so its commits move data_version too; while a run of
 * this process is going on they are not announced one by one (every open screen would reload for each chunk): its
 * end announces every scope, which settles the watch. Nothing here throws into the app: a failed check (the database
 * closing) stops the watch quietly.
 */
import { SqliteDatabase } from './sql/sqlite-database';
import type { SqlDatabase } from './sql/sql-database';

export interface DeskChangeWatchOptions {
  /** Called once per check that finds another connection's commit. */
  readonly onChange: () => void;
  /** This process's sync is running: its commits are announced by its end. */
  readonly isSyncRunning: () => boolean;
  /** Default 500 ms. */
  readonly intervalMs?: number;
}

export interface DeskChangeWatch {
  /** Asks SQLite now (the timer does it every interval); true when a change was announced. */
  check(): boolean;
  /** Everything committed so far has just been announced (data:changed for every scope): nothing is pending. */
  settle(): void;
  stop(): void;
}

/** Nothing for the organisation's PostgreSQL: its live link tells every workstation. */
export function watchDeskChanges(db: SqlDatabase, options: DeskChangeWatchOptions): DeskChangeWatch | undefined {
  if (!(db instanceof SqliteDatabase)) return undefined;
  let seen = db.othersCommitVersion();
  let timer: NodeJS.Timeout | undefined;
  const version = (): number | undefined => {
    try {
      return db.othersCommitVersion();
    } catch {
      watch.stop();
      return undefined;
    }
  };
  const watch: DeskChangeWatch = {
    check() {
      const now = version();
      // While this process's sync runs, what moved stays pending: its end announces everything (settle).
      if (now === undefined || now === seen || options.isSyncRunning()) return false;
      seen = now;
      options.onChange();
      return true;
    },
    settle() {
      seen = version() ?? seen;
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
  timer = setInterval(() => watch.check(), options.intervalMs ?? 500);
  timer.unref();
  return watch;
}
