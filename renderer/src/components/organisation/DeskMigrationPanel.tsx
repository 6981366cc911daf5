import { useState } from 'react';
import type { DeskMigrationReport } from '@shared/ipc/channels/organisation-channels';
import { useApiMutation } from '../../api/use-api';
import { formatCount, formatDate } from '../format';
import { ErrorMessage } from '../states';
import { esmsStatusLabel, unitStatusLabel } from './status-labels';

/**
 * The desk → organisation assistant: 1. simulation (counts, decisions already there, conflicts), 2. confirmation
 * (conflicts accepted explicitly: the organisation's values are kept, the notifications marked « à traiter »),
 * 3. result. The organisation's database is changed in one transaction, or not at all.
 */
export function DeskMigrationPanel({ serverReady }: { serverReady: boolean }) {
  const dryRun = useApiMutation('organisation:migration-dry-run', ['journal']);
  const run = useApiMutation('organisation:migration-run', ['*']);
  const [acceptConflicts, setAcceptConflicts] = useState(false);
  const plan = dryRun.data;
  const result = run.data;
  const step = result?.applied ? 3 : plan ? 2 : 1;

  return (
    <section className="panel" aria-labelledby="migration-title">
      <h2 id="migration-title">Migrer ce poste vers l’organisation</h2>
      <p className="muted">
        Copie les notifications, décisions (CDA), personnes, statuts, unités, entités géographiques, envois en attente,
        accords, évaluations, journal et curseurs de ce poste dans la base de l’organisation. Une décision déjà présente
        (reçue par un autre poste) est fusionnée par son idNat_Decision ; rien n’est copié deux fois.
      </p>
      <ol className="steps" aria-label="Étapes">
        <li aria-current={step === 1 ? 'step' : undefined}>Simulation</li>
        <li aria-current={step === 2 ? 'step' : undefined}>Confirmation</li>
        <li aria-current={step === 3 ? 'step' : undefined}>Résultat</li>
      </ol>
      {!serverReady && <p className="notice">Renseignez et testez d’abord le serveur de l’organisation ci-dessus.</p>}
      <div className="actions">
        <button
          type="button"
          disabled={!serverReady || dryRun.isPending || run.isPending}
          onClick={() => {
            run.reset();
            setAcceptConflicts(false);
            dryRun.mutate({});
          }}
          data-testid="migration-dry-run"
        >
          {plan ? 'Refaire la simulation' : 'Simuler la migration'}
        </button>
      </div>
      {dryRun.isPending && (
        <p role="status" className="state state-loading">
          Simulation en cours…
        </p>
      )}
      <ErrorMessage error={dryRun.error} />
      {plan && !result?.applied && (
        <>
          <MigrationReportView report={plan} />
          {plan.conflicts.length > 0 && (
            <label className="confirm">
              <input
                type="checkbox"
                checked={acceptConflicts}
                onChange={(e) => setAcceptConflicts(e.target.checked)}
                data-testid="migration-accept-conflicts"
              />{' '}
              J’ai relu les {plan.conflicts.length} conflits : garder les valeurs de l’organisation et marquer ces
              notifications « à traiter ».
            </label>
          )}
          <div className="actions">
            <button
              type="button"
              disabled={run.isPending || (plan.conflicts.length > 0 && !acceptConflicts)}
              onClick={() => run.mutate({ acceptConflicts })}
              data-testid="migration-run"
            >
              Migrer maintenant
            </button>
          </div>
        </>
      )}
      {run.isPending && (
        <p role="status" className="state state-loading">
          Migration en cours…
        </p>
      )}
      <ErrorMessage error={run.error} />
      {result && !result.applied && result.refusal && (
        <p className="state state-error" role="alert">
          {result.refusal}
        </p>
      )}
      {result?.applied && (
        <>
          <p className="notice" role="status" data-testid="migration-done">
            Migration terminée. Choisissez le mode « Organisation » ci-dessus pour travailler sur la base de
            l’organisation au prochain démarrage.
          </p>
          <MigrationReportView report={result} />
        </>
      )}
    </section>
  );
}

function MigrationReportView({ report }: { report: DeskMigrationReport }) {
  const verb = report.dryRun ? 'À copier' : report.applied ? 'Copiées' : 'Non copiées';
  return (
    <>
      <table className="data-table" data-testid="migration-counts">
        <caption>
          {report.dryRun ? 'Ce que la migration ferait' : 'Ce que la migration a fait'} —{' '}
          {formatCount(report.mergedDecisions)} décision(s) déjà dans l’organisation
        </caption>
        <thead>
          <tr>
            <th scope="col">Données</th>
            <th scope="col">Sur ce poste</th>
            <th scope="col">{verb}</th>
            <th scope="col">Déjà dans l’organisation</th>
          </tr>
        </thead>
        <tbody>
          {report.tables
            .filter((t) => t.desk > 0)
            .map((t) => (
              <tr key={t.table}>
                <th scope="row">{t.label}</th>
                <td>{formatCount(t.desk)}</td>
                <td>{formatCount(t.moved)}</td>
                <td>{formatCount(t.alreadyThere)}</td>
              </tr>
            ))}
        </tbody>
      </table>
      {report.conflicts.length === 0 ? (
        <p>Aucun conflit avec les données de l’organisation.</p>
      ) : (
        <table className="data-table" data-testid="migration-conflicts">
          <caption>Conflits : les deux postes ne disent pas la même chose</caption>
          <thead>
            <tr>
              <th scope="col">Décision (idNat_Decision)</th>
              <th scope="col">EG</th>
              <th scope="col">Sur quoi</th>
              <th scope="col">Dans l’organisation (gardé)</th>
              <th scope="col">Sur ce poste</th>
            </tr>
          </thead>
          <tbody>
            {report.conflicts.map((c) => {
              const label = c.kind === 'statut-esms' ? esmsStatusLabel : unitStatusLabel;
              return (
                <tr key={`${c.kind}-${c.idNatDecision}-${c.finessEg}-${c.idRor ?? ''}`}>
                  <td className="mono">{c.idNatDecision}</td>
                  <td className="mono">{c.finessEg}</td>
                  <td>{c.kind === 'statut-esms' ? 'Statut ESMS' : `Unité ${c.idRor ?? ''}`}</td>
                  <td>
                    {label(c.organisation.status)} ({formatDate(c.organisation.date)})
                  </td>
                  <td>
                    {label(c.desk.status)} ({formatDate(c.desk.date)})
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
