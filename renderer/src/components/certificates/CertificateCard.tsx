import { useState } from 'react';
import type { CertificateSummary } from '@shared/domain/certificates';
import { latestOf, useApiMutation } from '../../api/use-api';
import { ErrorMessage } from '../states';
import { formatInstant } from '../format';
import { ExpiryBadge } from './ExpiryBadge';

const KEY_USAGE_LABELS: Record<string, string> = {
  digitalSignature: 'signature numérique',
  nonRepudiation: 'non-répudiation',
  keyEncipherment: 'chiffrement de clé',
  dataEncipherment: 'chiffrement de données',
  keyAgreement: 'accord de clé',
  clientAuth: 'authentification client (TLS)',
  serverAuth: 'authentification serveur',
  emailProtection: 'messagerie',
};

export function CertificateCard({ certificate, selected }: { certificate: CertificateSummary; selected: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useApiMutation('certificates:delete', ['certificates', 'environments']);
  const select = useApiMutation('certificates:select', ['certificates', 'environments']);
  const forget = useApiMutation('certificates:remember-password', ['certificates']);
  const c = certificate;
  const headingId = `cert-${c.id}`;
  return (
    <article className="panel" aria-labelledby={headingId} data-testid="certificate-card">
      <h3 id={headingId}>
        {c.label} {selected && <span className="badge badge-ok">Utilisé pour la connexion</span>}
      </h3>
      <dl className="details">
        <dt>Sujet</dt>
        <dd>{c.subject}</dd>
        <dt>FINESS EJ</dt>
        <dd data-testid="certificate-finess">{c.finessEj ?? 'non trouvé dans le certificat'}</dd>
        <dt>Émetteur</dt>
        <dd>{c.issuer}</dd>
        <dt>Numéro de série</dt>
        <dd className="mono">{c.serialNumber}</dd>
        <dt>Validité</dt>
        <dd>
          du {formatInstant(c.notBefore)} au {formatInstant(c.notAfter)} <ExpiryBadge expiry={c.expiry} />
        </dd>
        <dt>Usages de la clé</dt>
        <dd>{[...c.keyUsage, ...c.extendedKeyUsage].map((u) => KEY_USAGE_LABELS[u] ?? u).join(', ') || '—'}</dd>
        <dt>Empreinte SHA-256</dt>
        <dd className="mono" data-testid="certificate-fingerprint">
          {c.sha256Fingerprint}
        </dd>
        <dt>Origine</dt>
        <dd>{c.source === 'file' ? 'Fichier .p12 importé (chiffré)' : `Carte « ${c.tokenLabel ?? ''} »`}</dd>
        {c.source === 'file' && (
          <>
            <dt>Mot de passe</dt>
            <dd>{c.passwordRemembered ? 'mémorisé (chiffré)' : 'demandé à chaque connexion'}</dd>
          </>
        )}
      </dl>
      <div className="actions">
        {!selected && (
          <button type="button" className="secondary" onClick={() => select.mutate({ id: c.id })}>
            Utiliser pour la connexion
          </button>
        )}
        {c.source === 'file' && c.passwordRemembered && (
          <button type="button" className="secondary" onClick={() => forget.mutate({ id: c.id, remember: false })}>
            Oublier le mot de passe
          </button>
        )}
        {!confirming && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Supprimer…
          </button>
        )}
      </div>
      {confirming && (
        <div className="notice" role="alertdialog" aria-label="Confirmer la suppression">
          <p>
            Supprimer le certificat « {c.label} » de Référent VT ? Le fichier d’origine n’est pas touché ; sans
            certificat, la connexion à ViaTrajectoire ne sera plus possible.
          </p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => remove.mutate({ id: c.id })}>
              Confirmer la suppression
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Annuler
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={latestOf(remove, select, forget)?.error ?? null} />
    </article>
  );
}
