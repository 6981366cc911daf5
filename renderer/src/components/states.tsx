import type { ReactNode } from 'react';
import type { ApiError } from '../api/use-api';

export function ScreenTitle({ children, description }: { children: ReactNode; description?: ReactNode }) {
  return (
    <div className="screen-title">
      <h1 tabIndex={-1}>{children}</h1>
      {description && <p className="screen-description">{description}</p>}
    </div>
  );
}

export function Loading({ label = 'Chargement…' }: { label?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function ErrorMessage({ error }: { error: ApiError | Error | null }) {
  if (!error) return null;
  const data = 'data' in error ? error.data : undefined;
  return (
    <div className="state state-error" role="alert">
      <strong>Erreur :</strong> {error.message}
      {data && (
        <TechnicalDetail>
          {data.code}
          {data.detail ? ` — ${data.detail}` : ''}
        </TechnicalDetail>
      )}
    </div>
  );
}

/** Codes and server diagnostics, for support: folded away, never in the sentence the referent reads. */
export function TechnicalDetail({ children }: { children: ReactNode }) {
  return (
    <details className="technical-detail">
      <summary>Détail technique</summary>
      <span className="mono">{children}</span>
    </details>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}
