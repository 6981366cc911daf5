/**
 * `npx referent-vt organisation <sous-commande>` for the organisation's certificate store (routed here by
 * cli/organisation-command.ts; docs/decisions.md, « The organisation's certificate lives in its PostgreSQL »):
 * - `create-key <fichier>`: a new organisation key file (0600; never overwrites one);
 * - `import-certificate <fichier.p12> --key <fichier> --anchors <autorités.pem>`: seals and stores the .p12 (password
 *   in REFERENT_VT_P12_PASSWORD, never on the command line), administrator's connection;
 * - `certificates`: the certificates stored (public description only: any member may list them);
 * - `rewrap-certificates --key <ancienne> --new-key <nouvelle>`: key rotation, one transaction.
 * Connection options as the administration's (--host --port --database --user [--schema] --ca;
 * REFERENT_VT_PG_PASSWORD).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '@shared/errors/app-error';
import {
  adminConnectionFrom,
  parseAdminCommand,
  type AdminCommandOutput,
} from '../db/postgres/organisation-admin-command';
import { openPostgresDatabase } from '../db/postgres/postgres-database';
import {
  createOrganisationKeyFile,
  importOrganisationCertificate,
  listOrganisationCertificates,
  readOrganisationKeyFile,
  rewrapOrganisationCertificates,
  type OrganisationKey,
} from './organisation-certificates';

export const ORGANISATION_CERTIFICATE_SUBCOMMANDS = [
  'create-key',
  'import-certificate',
  'certificates',
  'rewrap-certificates',
] as const;

export const ORGANISATION_CERTIFICATE_USAGE = [
  'Certificat de l’organisation (mêmes options de connexion ; README « Mode organisation »)',
  '  create-key <fichier>                                   crée la clé de l’organisation (fichier 0600)',
  '  import-certificate <fichier.p12> --key <fichier> --anchors <autorités.pem>',
  '                                                         scelle et enregistre le .p12 (mot de passe :',
  '                                                         REFERENT_VT_P12_PASSWORD)',
  '  certificates                                           certificats enregistrés (titulaire, FINESS, expiration)',
  '  rewrap-certificates --key <ancienne> --new-key <nouvelle>  changement de clé, en une transaction',
].join('\n');

export async function runOrganisationCertificateCommand(
  args: string[],
  out: AdminCommandOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const command = parseAdminCommand(
    args,
    { key: { type: 'string' }, 'new-key': { type: 'string' }, anchors: { type: 'string' } },
    { 'create-key': 1, 'import-certificate': 1, certificates: 0, 'rewrap-certificates': 0 },
    ORGANISATION_CERTIFICATE_USAGE,
    out,
  );
  if (!command) return 2;
  const { values, sub } = command;
  const [file] = command.operands;
  try {
    if (sub === 'create-key') {
      const key = createOrganisationKeyFile(path.resolve(file!));
      key.bytes.fill(0);
      out.log(`Clé de l’organisation créée (identifiant ${key.id}). Déposez ce fichier sur les postes autorisés à`);
      out.log(
        'synchroniser et sur le serveur « serve », et gardez-en une copie dans le coffre du service informatique.',
      );
      return 0;
    }
    const connection = adminConnectionFrom(values, env, out);
    if (!connection) return 2;
    const db = await openPostgresDatabase(connection, { maxConnections: 1 });
    try {
      const now = Date.now();
      if (sub === 'certificates') {
        const list = await listOrganisationCertificates(db, now);
        if (list.length === 0) out.log('Aucun certificat de l’organisation enregistré.');
        for (const c of list) {
          out.log(
            `${c.label} — FINESS EJ ${c.finessEj ?? 'inconnu'} — expire le ${c.notAfter.slice(0, 10)}` +
              ` (${c.expiry.daysLeft} j) — clé ${c.keyId} — empreinte ${c.sha256Fingerprint}`,
          );
        }
      } else if (sub === 'import-certificate') {
        const password = env.REFERENT_VT_P12_PASSWORD;
        if (password === undefined)
          throw new AppError('CERT_PASSWORD_REQUIRED', 'Mot de passe du .p12 attendu dans REFERENT_VT_P12_PASSWORD.');
        if (!values.anchors)
          throw new AppError('INVALID_INPUT', 'Option --anchors requise (autorités IGC-Santé, PEM).');
        const anchorsPem = fs.readFileSync(values.anchors, 'utf8');
        const key = requiredKey(values.key);
        const bytes = fs.readFileSync(path.resolve(file!));
        try {
          const c = await db.transaction((tx) =>
            importOrganisationCertificate(tx, {
              bytes,
              password,
              key,
              trustAnchorsPem: [anchorsPem],
              now,
            }),
          );
          out.log(
            `Certificat « ${c.label} » (FINESS EJ ${c.finessEj ?? 'inconnu'}) enregistré, scellé par la clé ${c.keyId}.`,
          );
        } finally {
          bytes.fill(0);
          key.bytes.fill(0);
        }
      } else {
        const from = requiredKey(values.key);
        const to = requiredKey(values['new-key']);
        const count = await db.transaction((tx) => rewrapOrganisationCertificates(tx, from, to));
        out.log(`${count} certificat(s) passé(s) de la clé ${from.id} à la clé ${to.id}.`);
      }
      return 0;
    } finally {
      await db.close();
    }
  } catch (e) {
    out.log(`Erreur : ${isAppError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

function requiredKey(file: string | undefined): OrganisationKey {
  const key = file ? readOrganisationKeyFile(path.resolve(file)) : undefined;
  if (!key)
    throw new AppError('ORG_CERT_KEY_MISSING', `Fichier de clé de l’organisation introuvable : ${file ?? '(aucun)'}.`);
  return key;
}
