import { useState } from 'react';
import { useApiQuery } from '../api/use-api';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatInstant } from '../components/format';
import { splitJournalDetail, type JournalActor, type JournalOutcome } from '@shared/domain/journal';
import { TechnicalDetail } from '../components/states';
import { ReferentWords } from '../components/establishment-names';

/** The French detail, the error code (for support) folded in a "détail technique". */
function JournalDetail({ detail }: { detail: string }) {
  const { text, code } = splitJournalDetail(detail);
  return (
    <>
      <ReferentWords message={text} />
      {code && <TechnicalDetail>{code}</TechnicalDetail>}
    </>
  );
}

const OUTCOME_LABELS: Readonly<Record<JournalOutcome, string>> = {
  succès: 'succès',
  échec: 'échec',
  info: 'information',
};

export function JournalScreen() {
  const [actor, setActor] = useState<JournalActor | ''>('');
  const [outcome, setOutcome] = useState<JournalOutcome | ''>('');
  const entries = useApiQuery('journal:list', {
    limit: 500,
    ...(actor ? { actor } : {}),
    ...(outcome ? { outcome } : {}),
  });
  return (
    <>
      <ScreenTitle description="Chaque action du référent et chaque événement de synchronisation, du plus récent au plus ancien.">
        Journal
      </ScreenTitle>
      <div className="filters">
        <label>
          Origine
          <select value={actor} onChange={(e) => setActor(e.target.value as JournalActor | '')}>
            <option value="">Toutes</option>
            <option value="utilisateur">Utilisateur</option>
            <option value="synchronisation">Synchronisation</option>
            <option value="système">Système</option>
          </select>
        </label>
        <label>
          Résultat
          <select value={outcome} onChange={(e) => setOutcome(e.target.value as JournalOutcome | '')}>
            <option value="">Tous</option>
            <option value="succès">Succès</option>
            <option value="échec">Échec</option>
            <option value="info">Information</option>
          </select>
        </label>
      </div>
      {entries.isPending && <Loading />}
      <ErrorMessage error={entries.error} />
      {entries.data && entries.data.length === 0 && <Empty>Aucune entrée pour ces critères.</Empty>}
      {entries.data && entries.data.length > 0 && (
        <table className="data-table" data-testid="journal-table">
          <caption className="visually-hidden">Entrées du journal</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Origine</th>
              <th scope="col">Action</th>
              <th scope="col">Élément</th>
              <th scope="col">Résultat</th>
              <th scope="col">Détail</th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((e) => (
              <tr key={e.id}>
                <td>{formatInstant(e.at)}</td>
                <td>{e.actor}</td>
                <td>
                  <ReferentWords message={e.action} />
                </td>
                <td>
                  {!e.subject ? (
                    '—'
                  ) : e.subject.route ? (
                    <a href={`#/${e.subject.route}`}>{e.subject.label}</a>
                  ) : (
                    e.subject.label
                  )}
                </td>
                <td>
                  <span
                    className={`badge badge-${e.outcome === 'échec' ? 'error' : e.outcome === 'succès' ? 'ok' : 'info'}`}
                  >
                    {OUTCOME_LABELS[e.outcome]}
                  </span>
                </td>
                <td>{e.detail && <JournalDetail detail={e.detail} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
