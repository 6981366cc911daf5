import { useApiQuery } from '../../api/use-api';

/** Dashboard warning: a certificate expires within 30 days (or already has). Shows nothing otherwise. */
export function CertificateExpiryTile() {
  const certificates = useApiQuery('certificates:list', {});
  const soon = (certificates.data ?? []).filter(
    (c) => c.expiry.level === 'expires-soon' || c.expiry.level === 'expired',
  );
  if (soon.length === 0) return null;
  const first = soon.reduce((a, b) => (a.expiry.daysLeft <= b.expiry.daysLeft ? a : b));
  return (
    <div className="state state-error" role="alert" data-testid="certificate-expiry-warning">
      <strong>Certificat :</strong>{' '}
      {first.expiry.level === 'expired'
        ? `le certificat « ${first.label} » a expiré.`
        : `le certificat « ${first.label} » expire dans ${first.expiry.daysLeft} jour${first.expiry.daysLeft > 1 ? 's' : ''}.`}{' '}
      <a href="#/certificats">Voir les certificats</a>
    </div>
  );
}
