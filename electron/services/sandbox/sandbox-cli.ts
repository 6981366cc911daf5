/**
 * `npm run sandbox -- [command]`: starts the SI-SdO sandbox alone (training sessions), or drives a running one —
 * by default the one Référent VT embeds — through its admin API (URL + token read from <data>/sandbox.json).
 */
import { isAppError } from '@shared/errors/app-error';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SandboxAdmin } from './sandbox-admin';
import type { RawAnswer } from './sandbox-operations';
import { startSandbox } from './sandbox-server';
import { findRunningSandbox, sandboxFolderCandidates } from './sandbox-state-file';

const USAGE = `Bac à sable SI-SdO (imitation locale de ViaTrajectoire PH)

Usage : npm run sandbox -- [commande] [--data <dossier>]

Les commandes pilotent le bac à sable démarré : d'abord celui de Référent VT ouvert (npm start), sinon celui de
« npm run sandbox ». --data : un dossier de bac à sable, ou le dossier de données de Référent VT.

  (aucune) | start [--port N] [--admin-port N] [--decisions N]
                                  démarre le bac à sable et affiche ses adresses
  status                          état du bac à sable démarré
  generate <n> [--eg FINESS]      génère n décisions fictives (toutes les EG par défaut)
  import <fichier.xml> --eg FINESS [--evaluation <fichier.xml>]
                                  importe un CDA de décision comme le ferait la MDPH
  cancel <idNat_Decision> [--eg FINESS]           notification annulée (49)
  reactivate <idNat_Decision> [--eg FINESS]       notification réactivée (54)
  ratify <idNat_Decision> [--eg FINESS]           admission impossible entérinée (46)
  cancel-decision <idNat_Decision>                décision annulée (37)
  entry-elsewhere <idNat_Decision>                usager entré dans un autre ESMS (47)
  close-right <idNat_Decision>                    décision de clôture du droit (flux 1)
  activate|deactivate <FINESS EJ ou EG>           active / désactive sur ViaTrajectoire
  fault <nom> <valeur>            latencyMs, rate5xx, rate429, retryAfterSeconds, resetRate, malformedRate,
                                  ou « fault token-expiry now »
  raw read <DocumentReference|Task> <id> --body-file <f> [--status 200] [--type <content-type>] [--times N]
  raw search <DocumentReference|Task> --body-file <f> [--status 200] [--type <content-type>] [--times N]
                                  la lecture ou la recherche visée répond ce corps brut (panne simulée)
  raw list | raw clear            réponses brutes en place / les retirer
  reset                           revient à l'état initial
`;

interface Args {
  positional: string[];
  flags: Map<string, string>;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--')) {
      flags.set(arg.slice(2), argv[i + 1] ?? '');
      i++;
    } else positional.push(arg);
  }
  return { positional, flags };
}

function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`Nombre attendu : ${value}`);
  return n;
}

async function start(dataDir: string, args: Args): Promise<void> {
  const httpsPort = optionalNumber(args.flags.get('port'));
  const adminPort = optionalNumber(args.flags.get('admin-port'));
  const initialDecisions = optionalNumber(args.flags.get('decisions'));
  const sandbox = await startSandbox({
    dataDir,
    ...(httpsPort === undefined ? {} : { httpsPort }),
    ...(adminPort === undefined ? {} : { adminPort }),
    ...(initialDecisions === undefined ? {} : { initialDecisions }),
  });
  const file = sandbox.stateFile;
  const status = await sandbox.admin.status();
  const lines = [
    'Bac à sable SI-SdO démarré (données fictives uniquement).',
    `  Base FHIR       : ${sandbox.fhirBaseUrl}`,
    `  Jeton OAuth2    : ${sandbox.tokenUrl}`,
    `  client_id       : ${sandbox.clientId}`,
    `  client_secret   : ${sandbox.clientSecret}`,
    `  AC de test      : ${join(sandbox.pki.dir, 'root.cert.pem')} (+ intermediate.cert.pem)`,
  ];
  for (const [ej, pkiFile] of Object.entries(sandbox.pki.clients)) {
    lines.push(`  Certificat EJ ${ej} : ${pkiFile.p12Path}`, `    mot de passe  : ${pkiFile.password}`);
  }
  const entities = status['legalEntities'] as {
    finessEj: string;
    establishments: { finessEg: string; name: string }[];
  }[];
  for (const entity of entities) {
    for (const eg of entity.establishments)
      lines.push(`  EG ${eg.finessEg} (struct_idnat 1${eg.finessEg}) : ${eg.name}`);
  }
  lines.push(
    `  Décisions       : ${String(status['decisions'])}`,
    `  Administration  : ${sandbox.adminUrl} (jeton dans ${file})`,
    'Ctrl+C pour arrêter.',
  );
  console.log(lines.join('\n'));
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function connect(candidates: string[]): Promise<SandboxAdmin> {
  for (const dir of candidates) {
    const state = await findRunningSandbox(dir);
    if (state) {
      console.error(`Bac à sable : ${dir}`);
      return new SandboxAdmin(state.adminUrl, state.adminToken);
    }
  }
  throw new Error(
    'Aucun bac à sable démarré. Ouvrez Référent VT sur l’environnement « Bac à sable local » (npm start), ' +
      'ou lancez « npm run sandbox » dans un autre terminal.\nDossiers examinés :\n' +
      candidates.map((c) => `  ${c}`).join('\n'),
  );
}

function eventRequest(args: Args) {
  const eg = args.flags.get('eg');
  const description = args.flags.get('description');
  return { ...(eg ? { finessEg: eg } : {}), ...(description ? { description } : {}) };
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`Argument manquant : ${what}\n\n${USAGE}`);
  return value;
}

async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const dataFlag = args.flags.get('data');
  const [command, first, second] = args.positional;
  if (command === undefined || command === 'start')
    return start(resolve(dataFlag ?? join(process.cwd(), '.data', 'sandbox')), args);
  if (command === 'help' || command === '--help') {
    console.log(USAGE);
    return;
  }
  const admin = await connect(sandboxFolderCandidates(dataFlag));
  let result: unknown;
  switch (command) {
    case 'status':
      result = await admin.status();
      break;
    case 'generate': {
      const eg = args.flags.get('eg');
      result = await admin.generate(Number(need(first, 'nombre')), eg ? { finessEgs: [eg] } : {});
      break;
    }
    case 'import': {
      const evaluation = args.flags.get('evaluation');
      result = await admin.importDecision({
        cdaXml: readFileSync(need(first, 'fichier CDA'), 'utf8'),
        finessEgs: need(args.flags.get('eg'), '--eg FINESS').split(','),
        ...(evaluation ? { evaluationCdaXml: readFileSync(evaluation, 'utf8') } : {}),
      });
      break;
    }
    case 'cancel':
      result = await admin.cancelNotification(need(first, 'idNat_Decision'), eventRequest(args));
      break;
    case 'reactivate':
      result = await admin.reactivateNotification(need(first, 'idNat_Decision'), eventRequest(args));
      break;
    case 'ratify':
      result = await admin.ratifyAdmissionImpossible(need(first, 'idNat_Decision'), eventRequest(args));
      break;
    case 'cancel-decision':
      result = await admin.cancelDecision(need(first, 'idNat_Decision'), eventRequest(args));
      break;
    case 'entry-elsewhere':
      result = await admin.entryElsewhere(need(first, 'idNat_Decision'), eventRequest(args));
      break;
    case 'close-right':
      result = await admin.closeRight(need(first, 'idNat_Decision'));
      break;
    case 'activate':
    case 'deactivate':
      result = await admin.setActive(need(first, 'FINESS'), command === 'activate');
      break;
    case 'fault':
      if (first === 'token-expiry') result = await admin.expireTokensNow();
      else
        result = await admin.setFaults({
          [need(first, 'nom de panne')]: Number(need(second, 'valeur')),
        });
      break;
    case 'raw':
      result = await rawCommand(admin, args);
      break;
    case 'reset':
      result = await admin.reset();
      break;
    default:
      throw new Error(`Commande inconnue : ${command}\n\n${USAGE}`);
  }
  console.log(JSON.stringify(result, null, 2));
}

async function rawCommand(admin: SandboxAdmin, args: Args): Promise<unknown> {
  const [, action, resourceType, id] = args.positional;
  if (action === 'list') return admin.rawAnswers();
  if (action === 'clear') return admin.clearRawAnswers();
  if (action !== 'read' && action !== 'search') throw new Error(`raw read|search|list|clear\n\n${USAGE}`);
  const times = optionalNumber(args.flags.get('times'));
  return admin.setRawAnswer({
    target: action,
    resourceType: need(resourceType, 'type de ressource') as RawAnswer['resourceType'],
    ...(action === 'read' ? { id: need(id, 'id de la ressource') } : {}),
    status: optionalNumber(args.flags.get('status')) ?? 200,
    contentType: args.flags.get('type') ?? 'application/fhir+json; charset=utf-8',
    body: readFileSync(need(args.flags.get('body-file'), '--body-file <fichier>'), 'utf8'),
    ...(times !== undefined ? { times } : {}),
  });
}

run(process.argv.slice(2)).catch((error: unknown) => {
  console.error(isAppError(error) || error instanceof Error ? error.message : String(error));
  process.exit(1);
});
