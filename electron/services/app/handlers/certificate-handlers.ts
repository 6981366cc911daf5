/**
 * Certificats: PKCS#12 import, list, details, remembered password, deletion, trust anchors and smart cards.
 * Passwords and PINs come in and never go back out: responses are metadata (CertificateSummary & co.).
 */
import { X509Certificate } from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import { MAX_IMPORTED_FILE_BYTES } from '@shared/domain/certificates';
import type { SmartCardModuleConfig } from '@shared/ipc/channels/certificate-channels';
import type { Handlers } from '../dispatch';
import type { AppContext } from '../app-context';
import { Pkcs11Module } from '../../certs/pkcs11/pkcs11-module';
import {
  MODULE_REFUSED,
  offeredPkcs11Modules,
  pkcs11ModuleProblem,
  pkcs11ModuleId,
  resolveOfferedPkcs11Module,
} from '../../certs/pkcs11/module-locations';
import { decodeUtf8 } from '../../http/bounded-body';
import type { ConnectionServices } from './connection-services';
import { journaled } from './user-action-journal';

type CertificateChannel =
  | 'certificates:list'
  | 'certificates:get'
  | 'certificates:import'
  | 'certificates:remember-password'
  | 'certificates:delete'
  | 'certificates:select'
  | 'trust-anchors:list'
  | 'trust-anchors:import'
  | 'trust-anchors:remove'
  | 'smartcards:config'
  | 'smartcards:choose-module'
  | 'smartcards:add-module'
  | 'smartcards:remove-module'
  | 'smartcards:tokens'
  | 'smartcards:certificates'
  | 'smartcards:register'
  | 'smartcards:unlock'
  | 'smartcards:lock';

export function createCertificateHandlers(
  ctx: AppContext,
  services: ConnectionServices = ctx.connection,
): Pick<Handlers, CertificateChannel> {
  const changed = (...scopes: string[]) => ctx.events.emit('data:changed', { scopes });

  /** The certificate becomes the environment's one when the environment has none (or lost it). */
  const selectIfNone = async (id: string): Promise<void> => {
    const settings = services.environments.get(services.environmentId);
    const current = settings.certificateId;
    if (current !== undefined && services.registry.list().some((c) => c.id === current)) return;
    await services.environments.update(services.environmentId, { certificateId: id });
    changed('environments');
  };

  const withOfferedModule = <T>(moduleId: string, use: (m: Pkcs11Module, modulePath: string) => T): T => {
    const modulePath = resolveOfferedPkcs11Module(moduleId, services.chosenSmartCardModules());
    return withModule(modulePath, (m) => use(m, modulePath));
  };

  /** Adds a module file the operator chose, once it passes the checks (the same refusal whatever failed). */
  const addChosenModule = (modulePath: string): SmartCardModuleConfig => {
    if (pkcs11ModuleProblem(modulePath) !== undefined) throw new AppError('PKCS11_MODULE_ERROR', MODULE_REFUSED);
    services.setChosenSmartCardModules([...services.chosenSmartCardModules(), modulePath]);
    changed('smartcards');
    return smartCardConfig();
  };

  const smartCardConfig = (): SmartCardModuleConfig => ({
    modules: offeredPkcs11Modules(services.chosenSmartCardModules()),
    choice: ctx.chooseFile ? 'dialogue' : 'chemin',
  });

  const withModule = <T>(modulePath: string, use: (m: Pkcs11Module) => T): T => {
    const module = Pkcs11Module.open(modulePath);
    try {
      return use(module);
    } finally {
      module.close();
    }
  };

  return {
    'certificates:list': () => services.registry.list(),
    'certificates:get': (req) => services.registry.get(req.id),

    'certificates:import': (req) =>
      journaled(
        ctx,
        { action: 'Import d’un certificat', recordType: 'certificat' },
        async () => {
          const bytes = importedFileBytes(req.contentBase64);
          try {
            const summary = await services.registry.importPkcs12({
              bytes,
              password: req.password,
              rememberPassword: req.rememberPassword,
              trustAnchorsPem: services.trustAnchors.pems(),
              ...(req.label ? { label: req.label } : {}),
            });
            await selectIfNone(summary.id);
            changed('certificates', 'dashboard');
            return summary;
          } finally {
            bytes.fill(0);
          }
        },
        (s) =>
          `${s.subjectCommonName ?? s.label} · FINESS EJ ${s.finessEj ?? '—'} · empreinte ${s.sha256Fingerprint.slice(0, 23)}…`,
      ),

    'certificates:remember-password': (req) =>
      journaled(
        ctx,
        {
          action: req.remember
            ? 'Mémorisation du mot de passe d’un certificat'
            : 'Oubli du mot de passe d’un certificat',
          recordType: 'certificat',
          recordId: req.id,
        },
        async () => {
          const summary = await services.registry.setRememberedPassword(
            req.id,
            req.remember ? req.password : undefined,
          );
          changed('certificates');
          return summary;
        },
      ),

    'certificates:delete': (req) =>
      journaled(
        ctx,
        { action: 'Suppression d’un certificat', recordType: 'certificat', recordId: req.id },
        async () => {
          await services.registry.delete(req.id);
          services.sessionPins.delete(req.id);
          const settings = services.environments.get(services.environmentId);
          if (settings.certificateId === req.id) {
            const next = services.registry.list()[0]?.id;
            await services.environments.update(services.environmentId, { certificateId: next });
            changed('environments');
          }
          changed('certificates', 'dashboard');
          return { deleted: true as const };
        },
      ),

    'certificates:select': (req) =>
      journaled(
        ctx,
        { action: 'Choix du certificat de connexion', recordType: 'certificat', recordId: req.id },
        async () => {
          services.registry.get(req.id);
          await services.environments.update(services.environmentId, { certificateId: req.id });
          changed('environments', 'certificates');
          return { certificateId: req.id };
        },
      ),

    'trust-anchors:list': () => services.trustAnchors.list(),

    'trust-anchors:import': (req) =>
      journaled(
        ctx,
        { action: 'Import d’autorités de certification', recordType: 'autorité' },
        () => {
          const imported = services.trustAnchors.importPem(anchorPemText(importedFileBytes(req.contentBase64)));
          changed('trust-anchors', 'environments');
          return imported;
        },
        (list) => `${list.length} certificat(s) d’autorité`,
      ),

    'trust-anchors:remove': (req) =>
      journaled(
        ctx,
        {
          action: 'Retrait d’une autorité de certification',
          recordType: 'autorité',
          recordId: req.sha256Fingerprint.slice(0, 23),
        },
        () => {
          services.trustAnchors.remove(req.sha256Fingerprint);
          changed('trust-anchors', 'environments');
          return { removed: true as const };
        },
      ),

    'smartcards:config': () => smartCardConfig(),

    'smartcards:choose-module': () =>
      journaled(ctx, { action: 'Choix d’un module de carte (PKCS#11)' }, async () => {
        if (!ctx.chooseFile) {
          throw new AppError(
            'INVALID_INPUT',
            'Ici, saisissez l’emplacement du module : la fenêtre de choix n’existe que dans l’application de bureau.',
          );
        }
        const chosen = await ctx.chooseFile({
          title: 'Module PKCS#11 du lecteur de carte',
          extensions: ['so', 'dll', 'dylib'],
        });
        return chosen === undefined ? smartCardConfig() : addChosenModule(chosen);
      }),

    'smartcards:add-module': (req) =>
      journaled(ctx, { action: 'Ajout d’un module de carte (PKCS#11)' }, () => {
        // Under Electron the renderer never names a file for main to load: main's own dialog does.
        if (ctx.chooseFile) {
          throw new AppError('INVALID_INPUT', 'Choisissez le module avec le bouton « Choisir un module… ».');
        }
        return addChosenModule(req.path);
      }),

    'smartcards:remove-module': (req) =>
      journaled(ctx, { action: 'Retrait d’un module de carte (PKCS#11)' }, () => {
        const chosen = services.chosenSmartCardModules();
        services.setChosenSmartCardModules(chosen.filter((p) => pkcs11ModuleId(p) !== req.moduleId));
        changed('smartcards');
        return smartCardConfig();
      }),

    'smartcards:tokens': (req) => withOfferedModule(req.moduleId, (m) => m.listTokens()),

    'smartcards:certificates': (req) =>
      withOfferedModule(req.moduleId, (m) =>
        // Drop the PEM: the list is for display; registration reads the card again in main.
        m.readCertificates({ tokenSerial: req.tokenSerial }).map(({ certPem: _pem, ...metadata }) => metadata),
      ),

    'smartcards:register': (req) =>
      journaled(
        ctx,
        { action: 'Enregistrement d’un certificat de carte', recordType: 'certificat' },
        async () => {
          const { certificate, modulePath } = withOfferedModule(req.moduleId, (m, path) => ({
            certificate: m
              .readCertificates({ tokenSerial: req.tokenSerial })
              .find((c) => c.objectIdHex === req.objectIdHex),
            modulePath: path,
          }));
          if (!certificate) {
            throw new AppError('PKCS11_KEY_NOT_FOUND', 'Ce certificat n’est plus sur la carte insérée.');
          }
          const { certPem, ...metadata } = certificate;
          const summary = await services.registry.registerSmartCard({
            modulePath,
            certificate: metadata,
            certPem,
            ...(req.label ? { label: req.label } : {}),
          });
          await services.environments.update(services.environmentId, { certificateId: summary.id });
          changed('certificates', 'environments', 'dashboard');
          return summary;
        },
        (s) => `${s.subjectCommonName ?? s.label} · carte ${s.tokenLabel ?? ''}`,
      ),

    'smartcards:unlock': (req) =>
      journaled(ctx, { action: 'Saisie du code PIN de la carte', recordType: 'certificat', recordId: req.id }, () => {
        const card = services.registry.smartCardReference(req.id);
        // Check the PIN now (a wrong one must not wait for the first connection), then log out at once.
        withModule(card.modulePath, (m) => m.login({ tokenSerial: card.tokenSerial }, req.pin).logout());
        services.sessionPins.set(req.id, req.pin);
        return { unlocked: true };
      }),

    'smartcards:lock': (req) => {
      services.sessionPins.delete(req.id);
      return { unlocked: false };
    },
  };
}

/** The bytes of an imported file, sent as base64 by the renderer, within the size cap. */
function importedFileBytes(contentBase64: string): Buffer {
  const bytes = Buffer.from(contentBase64, 'base64');
  if (bytes.length === 0) throw new AppError('CERT_UNREADABLE', 'Le fichier choisi est vide.');
  if (bytes.length > MAX_IMPORTED_FILE_BYTES) {
    bytes.fill(0);
    throw new AppError('CERT_UNREADABLE', 'Ce fichier est trop volumineux pour être un certificat.');
  }
  return bytes;
}

/** A CA file as PEM text: PEM as sent (UTF-8), or a single DER certificate converted. */
function anchorPemText(bytes: Buffer): string {
  const text = decodeUtf8(bytes);
  if (text !== undefined && text.includes('-----BEGIN')) return text;
  try {
    return new X509Certificate(bytes).toString();
  } catch {
    throw new AppError('TRUST_ANCHOR_INVALID', 'Ce fichier ne contient aucun certificat (PEM ou DER).');
  }
}
