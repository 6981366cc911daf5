import { useState } from 'react';
import type { RorUnit } from '@shared/domain/worklist';
import { CATEGORIE_ORGANISATION, TEMPORALITE_ACCUEIL } from '@shared/terminology/code-lists';
import { useApiMutation, useApiQuery } from '../api/use-api';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatInstant } from '../components/format';
import { Field } from '../components/forms/FieldError';

const yesNo = (v: boolean | null) => (v === null ? '—' : v ? 'Oui' : 'Non');

export function UnitsScreen() {
  const units = useApiQuery('units:list', {});
  const [editing, setEditing] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  return (
    <>
      <ScreenTitle description="Les unités (organisations internes) de vos établissements telles que connues du ROR et de ViaTrajectoire. Un statut d'unité ne peut être envoyé que si sa catégorie et son mode de prise en charge sont connus.">
        Unités ROR
      </ScreenTitle>
      {adding ? (
        <UnitForm onClose={() => setAdding(false)} />
      ) : (
        <p>
          <button type="button" className="secondary" onClick={() => setAdding(true)}>
            Ajouter une unité
          </button>{' '}
          <span className="small muted">
            pour une unité que ViaTrajectoire ne liste pas encore, avec son identifiant ROR
          </span>
        </p>
      )}
      {units.isPending && <Loading />}
      <ErrorMessage error={units.error} />
      {units.data && units.data.length === 0 && (
        <Empty>Aucune unité ROR : elles sont reçues de ViaTrajectoire à la synchronisation, ou ajoutées ici.</Empty>
      )}
      {units.data && units.data.length > 0 && (
        <table className="data-table" data-testid="units-table">
          <caption className="visually-hidden">Unités ROR</caption>
          <thead>
            <tr>
              <th scope="col">Unité</th>
              <th scope="col">Établissement</th>
              <th scope="col">Catégorie d'organisation</th>
              <th scope="col">Temporalité d'accueil</th>
              <th scope="col">Accueil séquentiel</th>
              <th scope="col">Mode de prise en charge</th>
              <th scope="col">Origine</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {units.data.map((u) =>
              editing === u.id ? (
                <tr key={u.id}>
                  <td colSpan={8}>
                    <UnitForm unit={u} onClose={() => setEditing(null)} />
                  </td>
                </tr>
              ) : (
                <tr key={u.id}>
                  <td>
                    <strong>{u.name}</strong>
                    <div className="small muted">{u.idRor}</div>
                    {u.missing.length > 0 && (
                      <div className="small error-text">À compléter : {u.missing.join(', ')}</div>
                    )}
                  </td>
                  <td>
                    {u.egName}
                    <div className="small muted">FINESS {u.finessEg}</div>
                  </td>
                  <td>{u.categorieOrganisationLabel ?? '—'}</td>
                  <td>{u.temporaliteAccueilLabel ?? '—'}</td>
                  <td>{yesNo(u.accueilSequentiel)}</td>
                  <td>{u.modePriseChargeLabel ?? u.modePriseCharge ?? '—'}</td>
                  <td>
                    {u.origin === 'vt' ? 'ViaTrajectoire' : 'Locale'}
                    {u.locallyEdited && <div className="small">modifiée le {formatInstant(u.updatedAt)}</div>}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setEditing(u.id)}
                      aria-label={`Modifier ${u.name}`}
                    >
                      Modifier
                    </button>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Edits a unit, or (without one) adds a unit with its establishment and ROR identifier. */
function UnitForm({ unit, onClose }: { unit?: RorUnit; onClose: () => void }) {
  const [finessEg, setFinessEg] = useState('');
  const [idRor, setIdRor] = useState('');
  const [name, setName] = useState(unit?.name ?? '');
  const [categorie, setCategorie] = useState(unit?.categorieOrganisation ?? '');
  const [temporalite, setTemporalite] = useState(unit?.temporaliteAccueil ?? '');
  const [sequentiel, setSequentiel] = useState(
    unit?.accueilSequentiel == null ? '' : unit.accueilSequentiel ? 'oui' : 'non',
  );
  const [mode, setMode] = useState(unit?.modePriseCharge ?? '');
  const update = useApiMutation('units:update', ['units']);
  const create = useApiMutation('units:create', ['units']);
  const establishments = useApiQuery('geographic-entities:list', {}, { enabled: !unit });
  // The modes in force on this environment (its guide and terminology releases); a unit's retired mode stays shown.
  const modes = useApiQuery('terminology:in-force', {}).data?.modesPriseCharge ?? [];
  const retiredMode =
    unit?.modePriseCharge && !modes.some((c) => c.code === unit.modePriseCharge) ? unit.modePriseCharge : null;
  const save = unit ? update : create;
  const [attempted, setAttempted] = useState(false);
  const missing: Record<string, string | null> = {
    finessEg: !unit && !finessEg ? 'Choisissez l’établissement.' : null,
    idRor: !unit && !idRor.trim() ? 'Saisissez l’identifiant ROR de l’unité.' : null,
    name: !name.trim() ? 'Saisissez le nom de l’unité.' : null,
    categorie: !categorie ? 'Choisissez la catégorie d’organisation.' : null,
    mode: !mode ? 'Choisissez le mode de prise en charge.' : null,
  };
  const error = (key: string) => (attempted ? missing[key] : null);
  return (
    <form
      noValidate
      className="action-form"
      aria-label={unit ? `Modifier l'unité ${unit.name}` : 'Ajouter une unité'}
      onSubmit={(e) => {
        e.preventDefault();
        setAttempted(true);
        if (Object.values(missing).some(Boolean)) return;
        const fields = {
          name,
          categorieOrganisation: categorie,
          temporaliteAccueil: temporalite || null,
          accueilSequentiel: sequentiel === '' ? null : sequentiel === 'oui',
          modePriseCharge: mode,
        };
        if (unit) update.mutate({ id: unit.id, ...fields }, { onSuccess: onClose });
        else create.mutate({ finessEg, idRor, ...fields }, { onSuccess: onClose });
      }}
    >
      {!unit && <h2>Ajouter une unité</h2>}
      <div className="form-grid">
        {!unit && (
          <>
            <Field label="Établissement" error={error('finessEg')}>
              {(aria) => (
                <select required value={finessEg} onChange={(e) => setFinessEg(e.target.value)} {...aria}>
                  <option value="">Choisir…</option>
                  {establishments.data?.map((eg) => (
                    <option key={eg.finessEg} value={eg.finessEg}>
                      {eg.name} ({eg.finessEg})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Identifiant ROR de l'unité" error={error('idRor')}>
              {(aria) => <input required value={idRor} onChange={(e) => setIdRor(e.target.value)} {...aria} />}
            </Field>
          </>
        )}
        <Field label="Nom de l'unité" error={error('name')}>
          {(aria) => <input required value={name} onChange={(e) => setName(e.target.value)} {...aria} />}
        </Field>
        <Field label="Catégorie d'organisation (ROR)" error={error('categorie')}>
          {(aria) => (
            <select required value={categorie} onChange={(e) => setCategorie(e.target.value)} {...aria}>
              <option value="">Choisir…</option>
              {CATEGORIE_ORGANISATION.concepts.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.code} — {c.display}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label>
          Temporalité d'accueil
          <select value={temporalite} onChange={(e) => setTemporalite(e.target.value)}>
            <option value="">Non renseignée</option>
            {TEMPORALITE_ACCUEIL.concepts.map((c) => (
              <option key={c.code} value={c.code}>
                {c.display}
              </option>
            ))}
          </select>
        </label>
        <label>
          Accueil séquentiel
          <select value={sequentiel} onChange={(e) => setSequentiel(e.target.value)}>
            <option value="">Non renseigné</option>
            <option value="oui">Oui</option>
            <option value="non">Non</option>
          </select>
        </label>
        <Field label="Mode de prise en charge (MDPH)" error={error('mode')}>
          {(aria) => (
            <select required value={mode} onChange={(e) => setMode(e.target.value)} {...aria}>
              <option value="">Choisir…</option>
              {retiredMode && (
                <option value={retiredMode} disabled>
                  {unit?.modePriseChargeLabel ?? retiredMode} (plus en vigueur)
                </option>
              )}
              {modes.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.display}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorMessage error={save.error} />
      <div className="form-actions">
        <button type="submit" disabled={save.isPending}>
          Enregistrer
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Annuler
        </button>
      </div>
    </form>
  );
}
