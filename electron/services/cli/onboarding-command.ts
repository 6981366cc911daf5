/**
 * `npx referent-vt onboarding [--report <file.pdf>] [--data <dir>]`: computes the raccordement checklist of the
 * current environment (the one `environments.json` under the data folder names), prints it, and writes the PDF
 * report when asked. Data folder: --data, else $REFERENT_VT_DATA, else .data/app (the browser host's default);
 * the database key must be a key file (the Electron shell's safeStorage key cannot be read outside Electron).
 * Exit code: 0 every check green, 1 some check to do, 2 usage error or unreadable data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '@shared/errors/app-error';
import type { CommandOutput } from './command';
import {
  activeEnvironmentDescriptor,
  environmentIdOf,
  openConnectionServices,
} from '../app/handlers/connection-services';
import { openDatabase } from '../db/database';
import { getOrCreateDatabaseKey } from '../secrets';
import { computeChecklist, readConnectionFacts } from '../onboarding/onboarding-checklist';
import { renderOnboardingReport } from '../onboarding/onboarding-report-pdf';

export const ONBOARDING_USAGE =
  'onboarding [--report <fichier.pdf>] [--data <dossier>] : vérifie le raccordement (0 si tout est vert)';

export async function runOnboardingCommand(args: string[], out: CommandOutput, env = process.env): Promise<number> {
  let values: { report?: string; data?: string };
  try {
    values = parseArgs({
      args,
      options: { report: { type: 'string' }, data: { type: 'string' } },
      allowPositionals: false,
    }).values;
  } catch {
    out.log(`Usage : npx referent-vt ${ONBOARDING_USAGE}`);
    return 2;
  }
  const dataRoot = path.resolve(values.data ?? env.REFERENT_VT_DATA ?? '.data/app');
  const environment = activeEnvironmentDescriptor(dataRoot);
  const dataDir = path.join(dataRoot, environment.id);
  const databaseFile = path.join(dataDir, 'referent-vt.db');
  if (!fs.existsSync(databaseFile)) {
    out.log(`Aucune donnée pour l’environnement « ${environment.label} » dans ${dataRoot}.`);
    return 2;
  }
  let db;
  try {
    db = openDatabase({ file: databaseFile, key: getOrCreateDatabaseKey(`${databaseFile}.key`, databaseFile) });
  } catch (e) {
    out.log(`Base de données illisible : ${isAppError(e) ? e.message : 'erreur inattendue'}`);
    return 2;
  }
  try {
    const services = openConnectionServices({
      dataRoot,
      environmentId: environmentIdOf(environment.id),
      now: () => new Date(),
    });
    const checklist = await computeChecklist({
      db,
      facts: await readConnectionFacts(services),
      environment,
      now: new Date(),
    });
    out.log(`Raccordement — ${checklist.environmentLabel}`);
    for (const c of checklist.checks) {
      out.log(`${c.status === 'ok' ? '[OK]     ' : '[À FAIRE]'} ${c.label}`);
      for (const e of c.evidence) out.log(`           ${e}`);
      if (c.fix) out.log(`           → ${c.fix.label}`);
    }
    if (values.report) {
      const bytes = await renderOnboardingReport(checklist);
      fs.writeFileSync(path.resolve(values.report), bytes);
      out.log(`Rapport écrit : ${path.resolve(values.report)}`);
    }
    out.log(checklist.allGreen ? 'Toutes les vérifications sont réussies.' : 'Des vérifications restent à faire.');
    return checklist.allGreen ? 0 : 1;
  } finally {
    await db.close();
  }
}
