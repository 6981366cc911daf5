/**
 * `npx referent-vt organisation <sous-commande>` for the organisation's administrator (routed here by
 * organisation/organisation-command.ts): create-schema, add-referent, assign, unassign, revoke, set-password, list.
 * The administrator's connection comes from options; passwords only from the environment (never the command line,
 * which other users of the machine can read): REFERENT_VT_PG_PASSWORD for the administrator,
 * REFERENT_VT_MEMBER_PASSWORD for a new member (else one is generated and shown once).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isAppError } from '@shared/errors/app-error';
import {
  addMember,
  assignEg,
  createOrganisationSchema,
  listMembers,
  revokeMember,
  setMemberPassword,
  unassignEg,
  type MemberKind,
} from './organisation-admin';
import type { PostgresConnectionOptions } from './postgres-connection';
import { DEFAULT_SCHEMA, openPostgresDatabase } from './postgres-database';

/** Where the command writes its lines (the CLI's output; structurally the CLI's CommandOutput). */
export interface AdminCommandOutput {
  log(line: string): void;
}

export const ORGANISATION_ADMIN_USAGE = [
  'Administration (options de connexion : --host <hôte|dossier de socket> --port <port> --database <base>',
  '  --user <administrateur> [--schema referent_vt] --ca <autorité.pem> ; mot de passe : REFERENT_VT_PG_PASSWORD)',
  '  create-schema                         crée ou met à jour le schéma de Référent VT',
  '  add-referent <compte> [--coordinator] crée le compte (mot de passe : REFERENT_VT_MEMBER_PASSWORD, sinon généré)',
  '  set-password <compte>                 nouveau mot de passe (REFERENT_VT_MEMBER_PASSWORD, sinon généré)',
  '  assign <compte> <FINESS EG>           attribue une EG',
  '  unassign <compte> <FINESS EG>         retire une EG',
  '  revoke <compte>                       révoque le compte (plus de connexion, plus d’EG)',
  '  list                                  comptes et EG attribuées',
].join('\n');

export async function runOrganisationAdminCommand(
  args: string[],
  out: AdminCommandOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const command = parseAdminCommand(
    args,
    { coordinator: { type: 'boolean', default: false } },
    { 'create-schema': 0, list: 0, 'add-referent': 1, 'set-password': 1, revoke: 1, assign: 2, unassign: 2 },
    ORGANISATION_ADMIN_USAGE,
    out,
  );
  if (!command) return 2;
  const { values, sub } = command;
  const [name, eg] = command.operands;
  const connection = adminConnectionFrom(values, env, out);
  if (!connection) return 2;
  const newPassword = (): { password: string; generated: boolean } =>
    env.REFERENT_VT_MEMBER_PASSWORD
      ? { password: env.REFERENT_VT_MEMBER_PASSWORD, generated: false }
      : { password: crypto.randomBytes(18).toString('base64url'), generated: true };
  try {
    const db = await openPostgresDatabase(connection, { migrate: sub === 'create-schema', maxConnections: 2 });
    try {
      switch (sub) {
        case 'create-schema':
          out.log(`Schéma « ${db.schema} » à la version ${await createOrganisationSchema(db)}.`);
          break;
        case 'add-referent':
        case 'set-password': {
          const { password, generated } = newPassword();
          const kind: MemberKind = values.coordinator ? 'coordinator' : 'referent';
          if (sub === 'add-referent') await addMember(db, name!, password, kind);
          else await setMemberPassword(db, name!, password);
          out.log(
            sub === 'add-referent' ? `Compte « ${name} » créé (${kind}).` : `Mot de passe de « ${name} » changé.`,
          );
          if (generated) out.log(`Mot de passe (à transmettre à la personne, affiché une seule fois) : ${password}`);
          break;
        }
        case 'assign':
          await assignEg(db, name!, eg!);
          out.log(`EG ${eg} attribuée à « ${name} ».`);
          break;
        case 'unassign':
          await unassignEg(db, name!, eg!);
          out.log(`EG ${eg} retirée à « ${name} ».`);
          break;
        case 'revoke':
          await revokeMember(db, name!);
          out.log(`Compte « ${name} » révoqué.`);
          break;
        case 'list':
          for (const m of await listMembers(db)) {
            out.log(
              `${m.name} — ${m.role}${m.active ? '' : ' (révoqué)'} — EG : ${m.finessEgs.join(', ') || 'aucune'}`,
            );
          }
          break;
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

/** The connection options every administration command takes (parseArgs spec). */
export const ADMIN_CONNECTION_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  database: { type: 'string' },
  user: { type: 'string' },
  schema: { type: 'string' },
  ca: { type: 'string' },
} as const;

export interface AdminConnectionValues {
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly database?: string | undefined;
  readonly user?: string | undefined;
  readonly schema?: string | undefined;
  readonly ca?: string | undefined;
}

/**
 * The administrator's connection from the command's options, the password from REFERENT_VT_PG_PASSWORD; undefined
 * (with the reason written to `out`) when an option is missing. Over TCP the server is always verified against the
 * organisation's CA; a Unix socket (a host starting with /) needs none.
 */
export function adminConnectionFrom(
  values: AdminConnectionValues,
  env: NodeJS.ProcessEnv,
  out: AdminCommandOutput,
): PostgresConnectionOptions | undefined {
  if (!values.host || !values.database || !values.user) {
    out.log('Options --host, --database et --user requises.');
    return undefined;
  }
  if (!values.host.startsWith('/') && !values.ca) {
    out.log('Option --ca requise : la connexion au serveur est vérifiée contre l’autorité de l’organisation.');
    return undefined;
  }
  return {
    host: values.host,
    port: Number(values.port ?? 5432),
    database: values.database,
    user: values.user,
    ...(env.REFERENT_VT_PG_PASSWORD ? { password: env.REFERENT_VT_PG_PASSWORD } : {}),
    tls: values.ca ? { mode: 'verify-full', caPem: fs.readFileSync(values.ca, 'utf8') } : { mode: 'disable' },
    schema: values.schema ?? DEFAULT_SCHEMA,
  };
}

/** A command line as parsed: the options' values, the subcommand and its operands. */
export interface AdminCommand<O extends NonNullable<ParseArgsConfig['options']>> {
  readonly values: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof ADMIN_CONNECTION_OPTIONS & O }>
  >['values'];
  readonly sub: string;
  readonly operands: readonly string[];
}

/**
 * An administration command's words: the connection options and its own `options`, then a subcommand of `arity` with
 * as many operands as it takes. Undefined, with the reason and `usage` written to `out`, for anything else (the
 * command then exits with code 2).
 */
export function parseAdminCommand<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  arity: Readonly<Record<string, number>>,
  usage: string,
  out: AdminCommandOutput,
): AdminCommand<O> | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_CONNECTION_OPTIONS, ...options } });
  } catch (e) {
    out.log((e as Error).message);
    out.log(usage);
    return undefined;
  }
  const [sub, ...operands] = parsed.positionals;
  if (!sub || arity[sub] === undefined || operands.length !== arity[sub]) {
    out.log(usage);
    return undefined;
  }
  return { values: parsed.values, sub, operands };
}
