import { useState } from 'react';
import type { ConnectionCheckStep } from '@shared/domain/environments';
import { useApiMutation } from '../../api/use-api';
import { ErrorMessage, TechnicalDetail } from '../states';

const STATUS: Record<ConnectionCheckStep['status'], { label: string; tone: string }> = {
  ok: { label: 'Réussi', tone: 'ok' },
  error: { label: 'Échec', tone: 'error' },
  skipped: { label: 'Non testé', tone: 'info' },
};

/** "Tester la connexion": each step of the chain, green or red, with its duration and the French error. */
export function ConnectionCheckPanel({ environmentLabel }: { environmentLabel: string }) {
  const [password, setPassword] = useState('');
  const check = useApiMutation('connection:check', ['journal']);
  return (
    <section className="panel" aria-labelledby="check-title">
      <h2 id="check-title">Tester la connexion</h2>
      <p className="muted">
        Certificat, connexion sécurisée, jeton d’accès puis une recherche sans effet par entité géographique, sur «{' '}
        {environmentLabel} ».
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          check.mutate(password ? { password } : {}, { onSettled: () => setPassword('') });
        }}
      >
        <div className="form-grid">
          <label>
            Mot de passe du certificat (s’il n’est pas mémorisé)
            <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <div>
            <button type="submit" disabled={check.isPending}>
              {check.isPending ? 'Test en cours…' : 'Tester la connexion'}
            </button>
          </div>
        </div>
      </form>
      <ErrorMessage error={check.error} />
      {check.data && (
        <>
          <p className={`notice${check.data.ok ? ' notice-ok' : ''}`} role="status" data-testid="check-summary">
            {check.data.ok
              ? `Connexion réussie (${check.data.totalDurationMs} ms).`
              : 'La connexion a échoué : voir l’étape en rouge.'}
          </p>
          <ol className="check-steps" data-testid="check-steps">
            {check.data.steps.map((s, i) => (
              <li key={`${s.kind}-${s.finessEg ?? i}`} data-status={s.status} data-testid="check-step">
                <span className={`badge badge-${STATUS[s.status].tone}`}>{STATUS[s.status].label}</span>
                <span>
                  {s.label}
                  {s.note && <span className="muted"> — {s.note}</span>}
                </span>
                <span className="muted">{s.status === 'skipped' ? '' : `${s.durationMs} ms`}</span>
                {s.error && (
                  <span className="step-error">
                    {s.error.message}
                    <TechnicalDetail>
                      {s.error.code}
                      {s.error.detail ? ` — ${s.error.detail}` : ''}
                    </TechnicalDetail>
                  </span>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
