import { useState } from 'react';
import type { CleanupFindingKind } from '@shared/domain/onboarding';
import { useApiMutation, useApiQuery } from '../api/use-api';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';

const KIND_LABELS: Record<CleanupFindingKind, string> = {
  doublon: 'Doublons',
  'notification-expiree': 'Notifications expirées (renouvellement à demander)',
  'liste-attente-perimee': "Listes d'attente sans nouvelle",
};

/** "Assistant de nettoyage": what to fix before deployment, each finding with the action it proposes. */
export function CleanupScreen() {
  const report = useApiQuery('cleanup:report', {});
  const setDays = useApiMutation('cleanup:set-stale-days', ['cleanup']);
  // null until the referent types: the field shows the stored threshold.
  const [typed, setDaysInput] = useState<string | null>(null);
  const days = typed ?? String(report.data?.staleDays ?? '');
  return (
    <>
      <ScreenTitle description="Avant le déploiement : doublons, notifications expirées de personnes encore en attente ou accompagnées, listes d'attente sans nouvelle.">
        Assistant de nettoyage
      </ScreenTitle>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setDays.mutate({ days: Number(days) });
        }}
      >
        <label>
          Seuil « sans nouvelle » (jours)
          <input type="number" min={1} max={3650} value={days} onChange={(e) => setDaysInput(e.target.value)} />
        </label>
        <button type="submit">Appliquer</button>
      </form>
      <ErrorMessage error={setDays.error} />
      {report.isPending && <Loading />}
      <ErrorMessage error={report.error} />
      {report.data &&
        (Object.keys(KIND_LABELS) as CleanupFindingKind[]).map((kind) => {
          const findings = report.data.findings.filter((f) => f.kind === kind);
          return (
            <section key={kind} aria-labelledby={`cleanup-${kind}`} data-testid={`cleanup-${kind}`}>
              <h2 id={`cleanup-${kind}`}>
                {KIND_LABELS[kind]} ({findings.length})
              </h2>
              {findings.length === 0 ? (
                <Empty>Rien à signaler.</Empty>
              ) : (
                <table className="data-table">
                  <thead>
                    <tr>
                      <th scope="col">Personne</th>
                      <th scope="col">Établissement</th>
                      <th scope="col">Constat</th>
                      <th scope="col">Action proposée</th>
                    </tr>
                  </thead>
                  <tbody>
                    {findings.map((f) => (
                      <tr key={`${f.kind}-${f.notificationIds.join('-')}-${f.detail}`}>
                        <td>{f.personLabel}</td>
                        <td>{f.egName}</td>
                        <td>{f.detail}</td>
                        <td>
                          {f.proposedAction}{' '}
                          {f.notificationIds.map((id) => (
                            <a key={id} href={`#/notifications/${id}`}>
                              Ouvrir la notification n° {id}{' '}
                            </a>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          );
        })}
    </>
  );
}
