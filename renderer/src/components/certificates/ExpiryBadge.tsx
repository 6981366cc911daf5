import type { ExpiryWarning } from '@shared/domain/certificates';

const LABELS: Record<ExpiryWarning['level'], string> = {
  valid: 'Valide',
  'expires-soon': 'Expire bientôt',
  expired: 'Expiré',
  'not-yet-valid': 'Pas encore valide',
};

export function ExpiryBadge({ expiry }: { expiry: ExpiryWarning }) {
  const tone = expiry.level === 'valid' ? 'ok' : expiry.level === 'expires-soon' ? 'warn' : 'error';
  const days =
    expiry.level === 'valid' || expiry.level === 'expires-soon'
      ? ` (${expiry.daysLeft} jour${expiry.daysLeft > 1 ? 's' : ''} restant${expiry.daysLeft > 1 ? 's' : ''})`
      : '';
  return (
    <span className={`badge badge-${tone}`} data-testid="expiry-badge">
      {LABELS[expiry.level]}
      {days}
    </span>
  );
}
