import { useState, type FormEvent } from 'react';
import type { OrganisationAdminOverview, OrganisationRole } from '@shared/ipc/channels/organisation-channels';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { ErrorMessage } from '../states';

/**
 * The organisation administrator's screen: sign in with the admin account (kept in memory for this session
 * only), create or update the schema, add a referent or a coordinator, assign EGs, revoke an account.
 */
export function OrganisationAdminPanel() {
  const overview = useApiQuery('organisation-admin:overview', {});
  const signIn = useApiMutation('organisation-admin:sign-in', ['organisation-admin']);
  const signOut = useApiMutation('organisation-admin:sign-out', ['organisation-admin']);
  const createSchema = useApiMutation('organisation-admin:create-schema', ['organisation-admin']);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  // Every action invalidates the overview: it alone says who is signed in and what the server holds.
  const current: OrganisationAdminOverview | undefined = overview.data;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!user.trim() || !password) return;
    signIn.mutate({ user: user.trim(), password }, { onSettled: () => setPassword('') });
  };

  return (
    <section className="panel" aria-labelledby="org-admin-title">
      <h2 id="org-admin-title">Administration de l’organisation</h2>
      <p className="muted">
        Réservé à l’administrateur de l’organisation : ses identifiants ne sont gardés que pendant cette session, en
        mémoire. Chaque référent a son propre compte PostgreSQL et ne voit que les entités géographiques qui lui sont
        attribuées ; un coordinateur les voit toutes.
      </p>
      <ErrorMessage error={overview.error} />
      {!current?.signedInAs ? (
        <form noValidate onSubmit={submit} className="form-grid">
          <label>
            Compte administrateur
            <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" />
          </label>
          <label>
            Mot de passe
            <input
              type="password"
              value={password}
              autoComplete="current-password"
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <div className="actions">
            <button type="submit" disabled={signIn.isPending}>
              Se connecter
            </button>
          </div>
          <ErrorMessage error={signIn.error} />
        </form>
      ) : (
        <>
          <p>
            Connecté en tant que <strong>{current.signedInAs}</strong> — schéma{' '}
            {current.schemaVersion ? `version ${current.schemaVersion}` : 'pas encore créé'}.{' '}
            <button type="button" className="secondary" onClick={() => signOut.mutate({})}>
              Se déconnecter
            </button>
          </p>
          <div className="actions">
            <button type="button" disabled={createSchema.isPending} onClick={() => createSchema.mutate({})}>
              Créer ou mettre à jour le schéma
            </button>
          </div>
          <ErrorMessage error={createSchema.error} />
          <MembersTable overview={current} />
          <AddMemberForm />
        </>
      )}
    </section>
  );
}

function MembersTable({ overview }: { overview: OrganisationAdminOverview }) {
  const assign = useApiMutation('organisation-admin:assign-egs', ['organisation-admin']);
  const revoke = useApiMutation('organisation-admin:revoke', ['organisation-admin']);
  const [editing, setEditing] = useState<string | undefined>();
  const [chosen, setChosen] = useState<readonly string[]>([]);
  if (overview.members.length === 0) return <p>Aucun compte pour l’instant.</p>;
  return (
    <>
      <table className="data-table" data-testid="org-members">
        <caption>Comptes de l’organisation</caption>
        <thead>
          <tr>
            <th scope="col">Compte</th>
            <th scope="col">Rôle</th>
            <th scope="col">Entités géographiques</th>
            <th scope="col">État</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {overview.members.map((m) => (
            <tr key={m.name}>
              <th scope="row" className="mono">
                {m.name}
              </th>
              <td>{m.role === 'coordinateur' ? 'Coordinateur (toutes les EG)' : 'Référent'}</td>
              <td>
                {editing === m.name ? (
                  <fieldset>
                    <legend className="visually-hidden">Entités géographiques de {m.name}</legend>
                    {overview.geographicEntities.map((eg) => (
                      <label key={eg.finessEg}>
                        <input
                          type="checkbox"
                          checked={chosen.includes(eg.finessEg)}
                          onChange={(e) =>
                            setChosen(
                              e.target.checked ? [...chosen, eg.finessEg] : chosen.filter((f) => f !== eg.finessEg),
                            )
                          }
                        />{' '}
                        {eg.finessEg} — {eg.name}
                      </label>
                    ))}
                    <button
                      type="button"
                      onClick={() =>
                        assign.mutate(
                          { name: m.name, finessEgs: [...chosen] },
                          { onSuccess: () => setEditing(undefined) },
                        )
                      }
                    >
                      Enregistrer
                    </button>{' '}
                    <button type="button" className="secondary" onClick={() => setEditing(undefined)}>
                      Annuler
                    </button>
                  </fieldset>
                ) : m.role === 'coordinateur' ? (
                  'Toutes'
                ) : (
                  m.finessEgs.join(', ') || 'Aucune'
                )}
              </td>
              <td>{m.active ? 'Actif' : 'Révoqué'}</td>
              <td>
                {m.active && m.role === 'référent' && editing !== m.name && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setChosen(m.finessEgs);
                      setEditing(m.name);
                    }}
                  >
                    Attribuer des EG
                  </button>
                )}{' '}
                {m.active && (
                  <button type="button" className="secondary" onClick={() => revoke.mutate({ name: m.name })}>
                    Révoquer
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorMessage error={assign.error ?? revoke.error} />
    </>
  );
}

function AddMemberForm() {
  const add = useApiMutation('organisation-admin:add-member', ['organisation-admin']);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<OrganisationRole>('référent');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(name.trim())) {
      add.reset();
      setError('Identifiant : lettres, chiffres et _ (63 caractères au plus), commençant par une lettre.');
      return;
    }
    if (password.length < 12) {
      add.reset();
      setError('Le mot de passe doit compter 12 caractères au moins.');
      return;
    }
    add.mutate({ name: name.trim(), password, role }, { onSettled: () => setPassword('') });
  };
  return (
    <form noValidate onSubmit={submit}>
      <h3>Ajouter un compte</h3>
      <div className="form-grid">
        <label>
          Identifiant
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Mot de passe initial
          <input
            type="password"
            value={password}
            autoComplete="new-password"
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <label>
          Rôle
          <select value={role} onChange={(e) => setRole(e.target.value as OrganisationRole)}>
            <option value="référent">Référent (ses EG)</option>
            <option value="coordinateur">Coordinateur (toutes les EG)</option>
          </select>
        </label>
      </div>
      {error && (
        <p className="state state-error" role="alert">
          {error}
        </p>
      )}
      <ErrorMessage error={add.error} />
      {add.isSuccess && (
        <p className="notice" role="status">
          Compte ajouté.
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={add.isPending}>
          Ajouter
        </button>
      </div>
    </form>
  );
}
