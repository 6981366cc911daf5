import { useEffect, useRef, useState } from 'react';
import type { RepriseDeliveryLine, ReprisePreview, ReprisePushResult } from '@shared/domain/onboarding';
import { REPRISE_SITUATION_LABELS } from '@shared/domain/onboarding';
import { api } from '../../api/api-client';
import { call, invalidateScopes, type ApiError } from '../../api/use-api';
import { ErrorMessage, TechnicalDetail } from '../states';
import { FilePicker } from '../forms/FilePicker';
import { useQueryClient } from '@tanstack/react-query';

const OUTCOME_LABELS: Record<string, string> = {
  'a-envoyer': 'À envoyer',
  'deja-envoye': 'Déjà envoyé',
  impossible: 'Impossible',
  ok: 'Mis en envoi',
  refuse: 'Refusé',
  'non-envoye': 'Non envoyé',
  'en-attente': 'En attente de synchronisation',
  accepte: 'Accepté par ViaTrajectoire',
};

/**
 * "Forcer le statut ViaTrajectoire": the referent pastes or loads the known situation of persons already in the
 * ESMS, previews the statuses, runs a dry run, sends, then follows what ViaTrajectoire answered and retries failures.
 */
export function ReprisePanel() {
  const queryClient = useQueryClient();
  const [csv, setCsv] = useState('identifiant;situation;unite;date;motif;accord\n');
  const [csvFile, setCsvFile] = useState<File | undefined>();
  const [preview, setPreview] = useState<ReprisePreview | null>(null);
  const [push, setPush] = useState<ReprisePushResult | null>(null);
  const [delivery, setDelivery] = useState<RepriseDeliveryLine[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  /** The situations last sent: their answers are read again when a push reaches ViaTrajectoire. */
  const sentCsv = useRef<string | null>(null);
  useEffect(
    () =>
      api.subscribe('outbox:pushed', (pushed) => {
        const sent = sentCsv.current;
        if (sent === null || (pushed.sent.length === 0 && pushed.rejected.length === 0)) return;
        call('reprise:delivery', { csv: sent }).then(setDelivery, (e: unknown) => setError(e as ApiError));
      }),
    [],
  );

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const failures = [
    ...(push?.lines.filter((l) => l.outcome === 'refuse').map((l) => l.line) ?? []),
    ...(delivery?.filter((d) => d.state === 'refuse').map((d) => d.line) ?? []),
  ];

  return (
    <section aria-labelledby="reprise-title">
      <h2 id="reprise-title">Reprise : forcer le statut ViaTrajectoire</h2>
      <p>
        Une ligne par personne déjà connue : <code>identifiant;situation;unite;date;motif;accord</code> — identifiant =
        n° de décision MDPH ou n° individu ; situation = {Object.keys(REPRISE_SITUATION_LABELS).join(', ')} ; unité =
        idROR ; date = date de la demande, de l’entrée ou de la sortie ; motif obligatoire pour « sorti » ; accord =
        date de recueil de l’accord (facultatif).
      </p>
      <FilePicker
        label="Fichier CSV"
        accept=".csv,text/csv,text/plain"
        file={csvFile}
        onChange={(file) => {
          setCsvFile(file);
          if (file) void file.text().then(setCsv);
        }}
      />
      <label className="block">
        Situations connues
        <textarea
          data-testid="reprise-csv"
          rows={8}
          cols={100}
          value={csv}
          onChange={(e) => {
            setCsv(e.target.value);
            setPreview(null);
            setPush(null);
          }}
        />
      </label>
      <div className="actions">
        <button
          type="button"
          disabled={busy}
          onClick={() => void run(async () => setPreview(await call('reprise:preview', { csv })))}
        >
          Prévisualiser
        </button>
        <button
          type="button"
          disabled={busy || !preview}
          onClick={() => void run(async () => setPush(await call('reprise:push', { csv, dryRun: true })))}
        >
          Simulation (rien n’est envoyé)
        </button>
        <button
          type="button"
          disabled={busy || !preview || preview.toSend === 0}
          onClick={() =>
            void run(async () => {
              if (!window.confirm(`Envoyer les statuts de ${preview?.toSend ?? 0} personne(s) à ViaTrajectoire ?`))
                return;
              sentCsv.current = csv;
              setPush(await call('reprise:push', { csv, dryRun: false }));
              setPreview(await call('reprise:preview', { csv }));
              invalidateScopes(queryClient, ['onboarding', 'notifications', 'waiting-lists']);
            })
          }
        >
          Envoyer les statuts
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => void run(async () => setDelivery(await call('reprise:delivery', { csv })))}
        >
          Voir les réponses de ViaTrajectoire
        </button>
        <button
          type="button"
          disabled={busy || failures.length === 0}
          onClick={() =>
            void run(async () => {
              sentCsv.current = csv;
              setPush(await call('reprise:push', { csv, dryRun: false, lines: [...new Set(failures)] }));
              setDelivery(null);
            })
          }
        >
          Renvoyer les échecs ({new Set(failures).size})
        </button>
      </div>
      <ErrorMessage error={error} />
      {preview && (
        <table className="data-table" data-testid="reprise-preview">
          <caption>
            Aperçu : {preview.toSend} à envoyer, {preview.alreadySent} déjà envoyé(s), {preview.impossible}{' '}
            impossible(s)
          </caption>
          <thead>
            <tr>
              <th scope="col">Ligne</th>
              <th scope="col">Personne</th>
              <th scope="col">Unité</th>
              <th scope="col">Statuts</th>
              <th scope="col">Accord</th>
              <th scope="col">Résultat</th>
            </tr>
          </thead>
          <tbody>
            {preview.parseErrors.map((e) => (
              <tr key={`e${e.line}`} data-outcome="erreur">
                <td>{e.line}</td>
                <td colSpan={4}>{e.message}</td>
                <td>Ligne illisible</td>
              </tr>
            ))}
            {preview.lines.map((l) => (
              <tr key={l.line} data-outcome={l.outcome}>
                <td>{l.line}</td>
                <td>{l.personLabel ?? l.identifiant}</td>
                <td>{l.unitName ?? '—'}</td>
                <td>
                  {l.statuses.length === 0 ? '—' : l.statuses.map((st) => <div key={st.technical}>{st.text}</div>)}
                  {l.statuses.length > 0 && (
                    <TechnicalDetail>{l.statuses.map((st) => st.technical).join(' ; ')}</TechnicalDetail>
                  )}
                </td>
                <td>{l.consent ?? '—'}</td>
                <OutcomeCell outcome={l.outcome} reason={l.reason} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {push && (
        <table className="data-table" data-testid="reprise-result">
          <caption>
            {push.dryRun ? 'Simulation' : 'Envoi'} : {push.ok} {push.dryRun ? 'possible(s)' : 'mis en envoi'},{' '}
            {push.alreadySent} déjà envoyé(s), {push.refused} refusé(s)
          </caption>
          <thead>
            <tr>
              <th scope="col">Ligne</th>
              <th scope="col">Identifiant</th>
              <th scope="col">Résultat</th>
            </tr>
          </thead>
          <tbody>
            {push.lines.map((l) => (
              <tr key={l.line} data-outcome={l.outcome}>
                <td>{l.line}</td>
                <td>{l.identifiant}</td>
                <OutcomeCell outcome={l.outcome} reason={l.reason} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {delivery && (
        <table className="data-table" data-testid="reprise-delivery">
          <caption>Réponses de ViaTrajectoire (après synchronisation)</caption>
          <thead>
            <tr>
              <th scope="col">Ligne</th>
              <th scope="col">Identifiant</th>
              <th scope="col">État</th>
              <th scope="col">Référence ViaTrajectoire</th>
            </tr>
          </thead>
          <tbody>
            {delivery.map((d) => (
              <tr key={d.line} data-outcome={d.state}>
                <td>{d.line}</td>
                <td>{d.identifiant}</td>
                <OutcomeCell outcome={d.state} reason={d.reason} />
                <td>{d.taskIds.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A line's result and, when there is one, its reason. */
function OutcomeCell({ outcome, reason }: { outcome: string; reason?: string | null | undefined }) {
  return (
    <td>
      {OUTCOME_LABELS[outcome]}
      {reason ? ` : ${reason}` : ''}
    </td>
  );
}
