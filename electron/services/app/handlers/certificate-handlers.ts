/**
 * Certificats: PKCS#12 import, list, details, remembered password, deletion, trust anchors and smart cards.
 * Passwords and PINs come in and never go back out: responses are metadata (CertificateSummary & co.).
 */
import { readFileSync } from 'node:fs';
import { AppError } from '@shared/errors/app-error';
import type { Handlers } from '../dispatch';
import type { AppContext } from '../app-context';
import { availablePkcs11Modules, Pkcs11Module } from '../../certs/pkcs11/pkcs11-module';
import { connectionServicesFor, type ConnectionServices } from './connection-services';
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
  | 'smartcards:set-modules'
  | 'smartcards:tokens'
  | 'smartcards:certificates'
  | 'smartcards:register'
  | 'smartcards:unlock'
  | 'smartcards:lock';

/** Largest .p12 read from a path (a real one is a few kilobytes). */
const MAX_P12_FILE_BYTES = 512 * 1024;

export function createCertificateHandlers(
  ctx: AppContext,
  services: ConnectionServices = connectionServicesFor(ctx),
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
          const bytes =
            req.filePath !== undefined ? readP12File(req.filePath) : Buffer.from(req.contentBase64 ?? '', 'base64');
          try {
            if (bytes.length === 0) {
              throw new AppError('CERT_UNREADABLE', 'Le fichier choisi est vide.');
            }
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
          const imported = services.trustAnchors.importPem(req.pemText);
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

    'smartcards:config': () => smartCardConfig(services),

    'smartcards:set-modules': (req) =>
      journaled(ctx, { action: 'Réglage des modules de carte (PKCS#11)' }, () => {
        services.setSmartCardModulePaths(req.modulePaths);
        changed('smartcards');
        return smartCardConfig(services);
      }),

    'smartcards:tokens': (req) => withModule(req.modulePath, (m) => m.listTokens()),

    'smartcards:certificates': (req) =>
      withModule(req.modulePath, (m) =>
        // Drop the PEM: the list is for display; registration reads the card again in main.
        m.readCertificates({ tokenSerial: req.tokenSerial }).map(({ certPem: _pem, ...metadata }) => metadata),
      ),

    'smartcards:register': (req) =>
      journaled(
        ctx,
        { action: 'Enregistrement d’un certificat de carte', recordType: 'certificat' },
        async () => {
          const certificate = withModule(req.modulePath, (m) =>
            m.readCertificates({ tokenSerial: req.tokenSerial }).find((c) => c.objectIdHex === req.objectIdHex),
          );
          if (!certificate) {
            throw new AppError('PKCS11_KEY_NOT_FOUND', 'Ce certificat n’est plus sur la carte insérée.');
          }
          const { certPem, ...metadata } = certificate;
          const summary = await services.registry.registerSmartCard({
            modulePath: req.modulePath,
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

function smartCardConfig(services: ConnectionServices) {
  const modulePaths = services.smartCardModulePaths();
  return { modulePaths, availablePaths: availablePkcs11Modules(modulePaths) };
}

function readP12File(filePath: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(filePath);
  } catch {
    throw new AppError('CERT_UNREADABLE', 'Le fichier choisi ne peut pas être lu.');
  }
  if (bytes.length > MAX_P12_FILE_BYTES) {
    bytes.fill(0);
    throw new AppError('CERT_UNREADABLE', 'Ce fichier est trop volumineux pour être un certificat .p12.');
  }
  return bytes;
}
