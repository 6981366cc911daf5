/**
 * Composition of the domain services for one environment, shared by the Electron main process and the browser
 * host. Nothing here imports electron: the shell passes what differs (how the database key is kept, the shell name).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from '../db/database';
import { Journal } from '../journal/journal';
import { configureLogging, createLogger, RotatingFileSink } from '../logging/logger';
import { EventHub, type AppContext } from './app-context';
import type { Handlers } from './dispatch';
import { createAppHandlers } from './handlers/app-handlers';
import { createWorklistHandlers } from './handlers/worklist-handlers';
import { createCertificateHandlers } from './handlers/certificate-handlers';
import { createEnvironmentHandlers } from './handlers/environment-handlers';
import { activeEnvironmentDescriptor } from './handlers/connection-services';
import { createOnboardingHandlers } from './handlers/onboarding-handlers';

export interface EnvironmentDescriptor {
  readonly id: string;
  readonly label: string;
}

export const DEFAULT_ENVIRONMENT: EnvironmentDescriptor = { id: 'sandbox-local', label: 'Bac à sable local' };

export interface StartApplicationOptions {
  /** Root of the user data; each environment gets its own sub-folder so data never mix. */
  readonly dataRoot: string;
  readonly environment?: EnvironmentDescriptor;
  readonly shell: 'electron' | 'navigateur';
  readonly version: string;
  /** Returns the 32-byte database key for this environment's database file. */
  readonly databaseKey: (databaseFile: string) => Buffer;
  readonly now?: () => Date;
}

export interface RunningApplication {
  readonly ctx: AppContext;
  readonly handlers: Handlers;
  readonly hub: EventHub;
  close(): Promise<void>;
}

export async function startApplication(options: StartApplicationOptions): Promise<RunningApplication> {
  const environment = options.environment ?? activeEnvironmentDescriptor(options.dataRoot);
  const dataDir = path.join(options.dataRoot, environment.id);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  configureLogging(new RotatingFileSink(path.join(dataDir, 'logs', 'referent-vt.log')));
  const log = createLogger('bootstrap');

  const databaseFile = path.join(dataDir, 'referent-vt.db');
  const db: Db = openDatabase({ file: databaseFile, key: options.databaseKey(databaseFile) });
  const now = options.now ?? (() => new Date());
  const journal = new Journal(db, now);
  const hub = new EventHub();
  const ctx: AppContext = {
    db,
    journal,
    now,
    events: hub,
    environmentId: environment.id,
    environmentLabel: environment.label,
    shell: options.shell,
    version: options.version,
    dataDir,
  };
  journal.append({ actor: 'système', action: 'Démarrage de Référent VT', outcome: 'info', detail: environment.label });
  log.info('Application démarrée', { environment: environment.id, shell: options.shell });

  const handlers: Handlers = {
    ...createAppHandlers(ctx),
    ...createWorklistHandlers(ctx),
    ...createCertificateHandlers(ctx),
    ...createEnvironmentHandlers(ctx),
    ...createOnboardingHandlers(ctx),
  };

  return {
    ctx,
    handlers,
    hub,
    async close() {
      db.close();
    },
  };
}
