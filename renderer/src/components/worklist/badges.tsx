import type { ValidityState } from '@shared/domain/referent-actions';
import { VALIDITY_LABELS } from '@shared/domain/referent-actions';
import { formatDate } from '../format';

/** ViaTrajectoire's Validité colour code, with a text label so colour is never the only signal. */
export function ValidityBadge({ state, end }: { state: ValidityState; end: string | null }) {
  return (
    <span className={`validity validity-${state}`}>
      {formatDate(end)}
      <span className="validity-label">{VALIDITY_LABELS[state]}</span>
    </span>
  );
}

export function ATraiterBadge({ reason }: { reason: string | null }) {
  return (
    <span className="badge badge-error" title={reason ?? undefined}>
      À traiter
    </span>
  );
}
