import { useState, type FormEvent } from 'react';
import {
  SANDBOX_BROKEN_ANSWERS,
  SANDBOX_EVENTS,
  SANDBOX_FAULT_FIELDS,
  SANDBOX_MAX_CDA_BYTES,
  type SandboxBrokenAnswerId,
  type SandboxEventId,
  type SandboxFaultField,
  type SandboxFaultValue,
  type SandboxOverview,
} from '@shared/domain/sandbox';
import { useApiMutation, useApiQuery, type ApiError } from '../api/use-api';
import { fileToBase64 } from '../components/certificates/file-bytes';
import { formatDate } from '../components/format';
import { ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { FilePicker } from '../components/forms/FilePicker';

/** What an action answered, or why it failed: the last one replaces the previous. */
function Outcome({ message, error, testId }: { message?: string; error: ApiError | null; testId: string }) {
  if (error) return <ErrorMessage error={error} />;
  if (!message) return null;
  return (
    <p className="notice notice-ok" role="status" data-testid={testId}>
      {message}
    </p>
  );
}

function egLabel(overview: SandboxOverview, finessEg: string): string {
  return overview.establishments.find((eg) => eg.finessEg === finessEg)?.name ?? finessEg;
}

function TrainerAccess({ overview }: { overview: SandboxOverview }) {
  return (
    <section className="panel" aria-labelledby="sandbox-access">
      <h2 id="sandbox-access">Accès du formateur</h2>
      <p>
        Le bac à sable imite ViaTrajectoire sur cet ordinateur, avec des données fictives uniquement. Ici, vous jouez la
        MDPH ; dans les autres écrans, vous êtes le référent. Chaque action est reçue à la synchronisation suivante.
      </p>
      <dl className="sandbox-access">
        <dt>Décisions dans le bac à sable</dt>
        <dd data-testid="sandbox-decision-count">{overview.decisionCount ?? 0}</dd>
        <dt>Administration</dt>
        <dd>
          <code>{overview.adminUrl}</code>
        </dd>
        <dt>Jeton d’administration</dt>
        <dd>
          <code data-testid="sandbox-admin-token">{overview.adminToken}</code>
        </dd>
        <dt>Fichier d’accès</dt>
        <dd>
          <code>{overview.stateFile}</code>
        </dd>
      </dl>
      <p className="muted">
        Depuis un terminal, dans le dossier du projet : <code>npm run sandbox -- status</code>,{' '}
        <code>npm run sandbox -- generate 5 --eg 010000019</code>… trouvent ce bac à sable sans autre option.
      </p>
    </section>
  );
}

function GeneratePanel({ overview }: { overview: SandboxOverview }) {
  const [finessEg, setFinessEg] = useState(overview.establishments[0]?.finessEg ?? '');
  const [count, setCount] = useState('1');
  const generate = useApiMutation('sandbox:generate', ['sandbox']);
  const chosen = overview.establishments.find((eg) => eg.finessEg === finessEg);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    generate.mutate({ finessEg, count: Number(count) });
  };
  return (
    <section className="panel" aria-labelledby="sandbox-generate">
      <h2 id="sandbox-generate">Générer des décisions</h2>
      <form onSubmit={submit}>
        <div className="form-grid">
          <label>
            Établissement destinataire
            <select value={finessEg} onChange={(e) => setFinessEg(e.target.value)} data-testid="generate-eg">
              {overview.establishments.map((eg) => (
                <option key={eg.finessEg} value={eg.finessEg}>
                  {eg.name} ({eg.finessEg})
                </option>
              ))}
            </select>
          </label>
          <label>
            Nombre de décisions
            <input
              type="number"
              min={1}
              max={100}
              required
              value={count}
              onChange={(e) => setCount(e.target.value)}
              data-testid="generate-count"
            />
          </label>
        </div>
        {chosen && (
          <p className="muted" data-testid="generate-categories">
            Catégories acceptées par ses unités : {chosen.categories.map((c) => c.label).join(', ') || 'toutes'}.
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={generate.isPending || !finessEg} data-testid="generate-submit">
            {generate.isPending ? 'Génération…' : 'Générer'}
          </button>
        </div>
      </form>
      <Outcome message={generate.data?.message} error={generate.error} testId="generate-done" />
    </section>
  );
}

function ImportPanel({ overview }: { overview: SandboxOverview }) {
  const [file, setFile] = useState<File | undefined>();
  const [egs, setEgs] = useState<string[]>([]);
  const [tooBig, setTooBig] = useState(false);
  const importing = useApiMutation('sandbox:import-cda', ['sandbox']);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    if (file.size > SANDBOX_MAX_CDA_BYTES) {
      setTooBig(true);
      return;
    }
    setTooBig(false);
    importing.mutate(
      { fileName: file.name, cdaBase64: await fileToBase64(file), finessEgs: egs },
      {
        onSuccess: () => setFile(undefined),
      },
    );
  };
  const toggle = (finessEg: string, on: boolean) =>
    setEgs((current) => (on ? [...current, finessEg] : current.filter((eg) => eg !== finessEg)));
  return (
    <section className="panel" aria-labelledby="sandbox-import">
      <h2 id="sandbox-import">Importer un CDA de décision</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          <FilePicker
            label="Fichier CDA (XML)"
            accept=".xml,text/xml,application/xml"
            file={file}
            onChange={setFile}
            testId="import-file"
          />
          <fieldset>
            <legend>Établissements destinataires</legend>
            {overview.establishments.map((eg) => (
              <label key={eg.finessEg} className="checkbox">
                <input
                  type="checkbox"
                  checked={egs.includes(eg.finessEg)}
                  onChange={(e) => toggle(eg.finessEg, e.target.checked)}
                />
                {eg.name}
              </label>
            ))}
          </fieldset>
        </div>
        <div className="actions">
          <button type="submit" disabled={!file || egs.length === 0 || importing.isPending}>
            {importing.isPending ? 'Import…' : 'Importer'}
          </button>
        </div>
      </form>
      {tooBig && (
        <p className="state state-error" role="alert">
          Ce fichier est trop volumineux pour un CDA de décision.
        </p>
      )}
      <Outcome message={importing.data?.message} error={importing.error} testId="import-done" />
    </section>
  );
}

/** The sandbox's recent decisions, as the trainer picks one: person, number, type, date, establishments. */
function DecisionOptions({ overview }: { overview: SandboxOverview }) {
  return (
    <>
      {overview.recentDecisions.map((d) => (
        <option key={d.idNatDecision} value={d.idNatDecision}>
          {d.person || 'Personne fictive'} — {d.idDecision} — {d.typeLabel ?? 'Décision'}
          {d.categoryLabel ? ` ${d.categoryLabel}` : ''}
          {d.dateDeDecision ? ` du ${formatDate(d.dateDeDecision)}` : ''} —{' '}
          {d.targetedEgs.map((eg) => egLabel(overview, eg)).join(', ')}
        </option>
      ))}
    </>
  );
}

/** The chosen decision while it is listed, else the latest one. */
function listedOrLatest(overview: SandboxOverview, chosen: string): string {
  return overview.recentDecisions.some((d) => d.idNatDecision === chosen)
    ? chosen
    : (overview.recentDecisions[0]?.idNatDecision ?? '');
}

function MdphPanel({ overview }: { overview: SandboxOverview }) {
  const [chosen, setIdNatDecision] = useState('');
  const event = useApiMutation('sandbox:event', ['sandbox']);
  const close = useApiMutation('sandbox:close-right', ['sandbox']);
  const [description, setDescription] = useState('');
  const [last, setLast] = useState<{ message: string } | undefined>();
  // The latest decision until the trainer picks one (and again if the picked one is no longer listed).
  const idNatDecision = listedOrLatest(overview, chosen);
  const busy = event.isPending || close.isPending;
  const error = event.error ?? close.error;
  const send = (id: SandboxEventId) => {
    close.reset();
    event.mutate(
      { event: id, idNatDecision, ...(description.trim() ? { description: description.trim() } : {}) },
      { onSuccess: (r) => setLast(r) },
    );
  };
  const closeRight = () => {
    event.reset();
    close.mutate({ idNatDecision }, { onSuccess: (r) => setLast(r) });
  };
  return (
    <section className="panel" aria-labelledby="sandbox-mdph">
      <h2 id="sandbox-mdph">Jouer la MDPH</h2>
      <div className="form-grid">
        <label className="wide">
          Décision
          <select value={idNatDecision} onChange={(e) => setIdNatDecision(e.target.value)} data-testid="mdph-decision">
            <DecisionOptions overview={overview} />
          </select>
        </label>
        <label className="wide">
          Commentaire de la MDPH (facultatif)
          <input
            type="text"
            maxLength={500}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            data-testid="mdph-description"
          />
        </label>
      </div>
      <p className="muted">Statuts envoyés par ViaTrajectoire (flux 5) :</p>
      <div className="button-row">
        {SANDBOX_EVENTS.map((e) => (
          <button
            key={e.id}
            type="button"
            className="secondary"
            disabled={busy || !idNatDecision}
            onClick={() => send(e.id)}
            data-testid={`mdph-${e.id}`}
          >
            {e.label}
          </button>
        ))}
      </div>
      <p className="muted">Nouvelle décision de la CDAPH (flux 1) :</p>
      <div className="button-row">
        <button
          type="button"
          className="secondary"
          disabled={busy || !idNatDecision}
          onClick={closeRight}
          data-testid="mdph-close-right"
        >
          Clôturer le droit
        </button>
      </div>
      <Outcome message={error ? undefined : last?.message} error={error} testId="mdph-done" />
    </section>
  );
}

function toInput(field: SandboxFaultField, value: SandboxFaultValue | undefined): string {
  if (value === undefined) return '';
  if (field.kind === 'rate' && typeof value === 'number') return String(Math.round(value * 1000) / 10);
  return String(value);
}

function fromInput(field: SandboxFaultField, text: string): SandboxFaultValue {
  if (field.kind === 'text') return text;
  const n = Number(text.replace(',', '.'));
  return field.kind === 'rate' ? n / 100 : n;
}

const UNIT: Record<SandboxFaultField['kind'], string> = { rate: '%', ms: 'ms', seconds: 's', text: '' };

function FaultsPanel({ overview }: { overview: SandboxOverview }) {
  const initial = () =>
    Object.fromEntries(SANDBOX_FAULT_FIELDS.map((f) => [f.key, toInput(f, overview.faults[f.key])] as const));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const setFaults = useApiMutation('sandbox:set-faults', ['sandbox']);
  const expire = useApiMutation('sandbox:expire-tokens', ['sandbox']);
  const [message, setMessage] = useState<string | undefined>();
  const apply = (next: Record<string, string>) => {
    expire.reset();
    setFaults.mutate(
      { faults: Object.fromEntries(SANDBOX_FAULT_FIELDS.map((f) => [f.key, fromInput(f, next[f.key] ?? '')])) },
      {
        onSuccess: (faults) => {
          setValues(Object.fromEntries(SANDBOX_FAULT_FIELDS.map((f) => [f.key, toInput(f, faults[f.key])])));
          setMessage('Pannes simulées appliquées aux prochains échanges.');
        },
      },
    );
  };
  const clearAll = () =>
    apply(Object.fromEntries(SANDBOX_FAULT_FIELDS.map((f) => [f.key, f.key === 'retryAfterSeconds' ? '2' : '0'])));
  return (
    <section className="panel" aria-labelledby="sandbox-faults">
      <h2 id="sandbox-faults">Pannes simulées de ViaTrajectoire</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply(values);
        }}
      >
        <div className="form-grid">
          {SANDBOX_FAULT_FIELDS.map((field) => (
            <label key={field.key}>
              {field.label}
              {UNIT[field.kind] ? ` (${UNIT[field.kind]})` : ''}
              {field.kind === 'text' ? (
                <textarea
                  value={values[field.key] ?? ''}
                  onChange={(e) => setValues({ ...values, [field.key]: e.target.value })}
                  data-testid={`fault-${field.key}`}
                />
              ) : (
                <input
                  type="number"
                  min={0}
                  max={field.kind === 'rate' ? 100 : undefined}
                  step="any"
                  value={values[field.key] ?? ''}
                  onChange={(e) => setValues({ ...values, [field.key]: e.target.value })}
                  data-testid={`fault-${field.key}`}
                />
              )}
              {field.help && <span className="muted small">{field.help}</span>}
            </label>
          ))}
        </div>
        <div className="actions button-row">
          <button type="submit" disabled={setFaults.isPending} data-testid="faults-apply">
            Appliquer les pannes
          </button>
          <button type="button" className="secondary" onClick={clearAll} disabled={setFaults.isPending}>
            Retirer toutes les pannes
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setFaults.reset();
              expire.mutate({}, { onSuccess: (r) => setMessage(r.message) });
            }}
            disabled={expire.isPending}
            data-testid="faults-expire-tokens"
          >
            Expirer les jetons maintenant
          </button>
        </div>
      </form>
      <Outcome
        message={setFaults.error || expire.error ? undefined : message}
        error={setFaults.error ?? expire.error}
        testId="faults-done"
      />
    </section>
  );
}

/**
 * ViaTrajectoire answering a decision's read with a broken body (truncated, an error dressed as a success, a
 * maintenance page…): the trainer shows what the referent then sees in Synchronisation, « Éléments refusés ».
 */
function BrokenAnswersPanel({ overview }: { overview: SandboxOverview }) {
  const [chosen, setIdNatDecision] = useState('');
  const [kind, setKind] = useState<SandboxBrokenAnswerId | ''>('');
  const [once, setOnce] = useState(false);
  const [message, setMessage] = useState<string | undefined>();
  const breakAnswer = useApiMutation('sandbox:break-answer', ['sandbox']);
  const clear = useApiMutation('sandbox:clear-broken-answers', ['sandbox']);
  const idNatDecision = listedOrLatest(overview, chosen);
  const busy = breakAnswer.isPending || clear.isPending;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!kind || !idNatDecision) return;
    clear.reset();
    breakAnswer.mutate({ idNatDecision, kind, once }, { onSuccess: (r) => setMessage(r.message) });
  };
  return (
    <section className="panel" aria-labelledby="sandbox-broken">
      <h2 id="sandbox-broken">Réponses cassées de ViaTrajectoire</h2>
      <p className="muted">
        La lecture d’une décision (flux 1) reçoit une réponse abîmée. Référent VT la garde « à relire » ou la met en
        quarantaine, sans bloquer le reste : voyez Synchronisation, « Éléments refusés ».
      </p>
      <form onSubmit={submit}>
        <div className="form-grid">
          <label className="wide">
            Décision lue
            <select
              value={idNatDecision}
              onChange={(e) => setIdNatDecision(e.target.value)}
              data-testid="broken-decision"
            >
              <DecisionOptions overview={overview} />
            </select>
          </label>
          <label className="wide">
            Réponse de ViaTrajectoire
            <select
              value={kind}
              onChange={(e) => setKind(e.target.value as SandboxBrokenAnswerId | '')}
              data-testid="broken-kind"
            >
              <option value="">Choisir…</option>
              {SANDBOX_BROKEN_ANSWERS.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.label}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={once} onChange={(e) => setOnce(e.target.checked)} /> Une seule fois (la
            lecture suivante réussit)
          </label>
        </div>
        <div className="actions button-row">
          <button type="submit" disabled={busy || !kind || !idNatDecision} data-testid="broken-apply">
            Appliquer à cette décision
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy || overview.brokenAnswers.length === 0}
            onClick={() => {
              breakAnswer.reset();
              clear.mutate({}, { onSuccess: (r) => setMessage(r.message) });
            }}
            data-testid="broken-clear"
          >
            Retirer les réponses cassées
          </button>
        </div>
      </form>
      <Outcome
        message={breakAnswer.error || clear.error ? undefined : message}
        error={breakAnswer.error ?? clear.error}
        testId="broken-done"
      />
      {overview.brokenAnswers.length === 0 ? (
        <p className="muted" data-testid="broken-list">
          Aucune réponse cassée : les décisions sont lues normalement.
        </p>
      ) : (
        <ul data-testid="broken-list">
          {overview.brokenAnswers.map((b, i) => (
            <li key={i}>
              {b.decision ?? 'Décision plus ancienne'} : {b.label}
              {b.once ? ' (une fois)' : ''} — servie {b.served} fois
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SyncShortcut() {
  const runNow = useApiMutation('sync:run-now', ['*']);
  const result = runNow.data;
  return (
    <section className="panel" aria-labelledby="sandbox-sync">
      <h2 id="sandbox-sync">Côté référent</h2>
      <p>
        Les actions ci-dessus arrivent dans Référent VT à la prochaine synchronisation (automatique, ou tout de suite
        ici). Voyez ensuite les <a href="#/notifications">notifications</a> et le{' '}
        <a href="#/synchronisation">détail des synchronisations</a>.
      </p>
      <div className="button-row">
        <button type="button" onClick={() => runNow.mutate({})} disabled={runNow.isPending} data-testid="sandbox-sync">
          {runNow.isPending ? 'Synchronisation…' : 'Synchroniser maintenant'}
        </button>
      </div>
      <Outcome
        message={
          result?.summary
            ? (result.summary.notice?.message ??
              `Synchronisation terminée : ${result.summary.decisions} décision(s) et ${result.summary.statuses} statut(s) reçu(s), ${result.summary.sent} statut(s) envoyé(s).`)
            : undefined
        }
        error={runNow.error}
        testId="sandbox-sync-done"
      />
    </section>
  );
}

export function SandboxScreen() {
  const overview = useApiQuery('sandbox:overview', {});
  return (
    <>
      <ScreenTitle description="Pour se former ou former un référent : jouez la MDPH et les pannes de ViaTrajectoire sur le bac à sable local.">
        Bac à sable
      </ScreenTitle>
      {overview.isPending && <Loading />}
      <ErrorMessage error={overview.error} />
      {overview.data && !overview.data.available && (
        <p className="state state-empty" data-testid="sandbox-unavailable">
          {overview.data.message}
        </p>
      )}
      {overview.data?.available && (
        <div className="sandbox-grid">
          <GeneratePanel overview={overview.data} />
          <MdphPanel overview={overview.data} />
          <SyncShortcut />
          <ImportPanel overview={overview.data} />
          <FaultsPanel overview={overview.data} />
          <BrokenAnswersPanel overview={overview.data} />
          <TrainerAccess overview={overview.data} />
        </div>
      )}
    </>
  );
}
