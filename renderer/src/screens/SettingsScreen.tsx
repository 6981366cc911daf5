import { useId, useState, type FormEvent } from 'react';
import { connectionSettingsErrors, type ConnectionSettingsErrors } from '@shared/domain/connection-settings-form';
import type { EnvironmentId, EnvironmentSummary, ProxyMode } from '@shared/domain/environments';
import { SDO_VERSIONS, sdoVersion } from '@shared/domain/sdo-versions';
import { useApiMutation, useApiQuery } from '../api/use-api';
import { ConnectionCheckPanel } from '../components/certificates/ConnectionCheckPanel';
import { ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { FieldError } from '../components/forms/FieldError';
import '../components/certificates/certificates.css';
import { SyncLimitsPanel } from '../components/sync/SyncLimitsPanel';

export function SettingsScreen() {
  const environments = useApiQuery('environments:list', {});
  const current = useApiQuery('environments:get', {});
  const [editedId, setEditedId] = useState<EnvironmentId | undefined>();
  const switching = useApiMutation('environments:switch', ['environments']);
  const sessionId = current.data?.id;
  const edited = environments.data?.find((e) => e.id === (editedId ?? sessionId));
  const active = environments.data?.find((e) => e.active);

  return (
    <>
      <ScreenTitle description="Environnement, adresses de ViaTrajectoire, identifiants de connexion et version des profils.">
        Paramètres
      </ScreenTitle>
      {(environments.isPending || current.isPending) && <Loading />}
      <ErrorMessage error={environments.error ?? current.error} />
      {environments.data && current.data && (
        <>
          <section className="panel" aria-labelledby="env-title">
            <h2 id="env-title">Environnement</h2>
            <p>
              Session en cours : <strong data-testid="session-environment">{current.data.label}</strong>. Chaque
              environnement a sa propre base, ses certificats et ses secrets : les données ne se mélangent jamais.
            </p>
            {active && active.id !== current.data.id && !switching.data && (
              <p className="notice" role="status">
                « {active.label} » sera ouvert au prochain démarrage de Référent VT.
              </p>
            )}
            <div className="form-grid">
              <label>
                Environnement à configurer
                <select
                  value={edited?.id ?? ''}
                  onChange={(e) => setEditedId(e.target.value as EnvironmentId)}
                  data-testid="edited-environment"
                >
                  {environments.data.map((e) => (
                    <option key={e.id} value={e.id}>
                      {e.label}
                      {e.id === current.data.id ? ' (session en cours)' : ''}
                    </option>
                  ))}
                </select>
              </label>
              {edited && !edited.active && (
                <div>
                  <button type="button" className="secondary" onClick={() => switching.mutate({ id: edited.id })}>
                    Choisir cet environnement
                  </button>
                </div>
              )}
            </div>
            {switching.data && (
              <p className="notice" role="status">
                {switching.data.message}
              </p>
            )}
            <ErrorMessage error={switching.error} />
          </section>
          {edited && <EnvironmentForm key={edited.id} environment={edited} />}
          {edited?.id === current.data.id && <ConnectionCheckPanel environmentLabel={current.data.label} />}
          <SyncLimitsPanel />
        </>
      )}
    </>
  );
}

function EnvironmentForm({ environment }: { environment: EnvironmentSummary }) {
  const [fhirBaseUrl, setFhirBaseUrl] = useState(environment.fhirBaseUrl);
  const [tokenUrl, setTokenUrl] = useState(environment.tokenUrl);
  const [clientId, setClientId] = useState(environment.clientId);
  const [clientSecret, setClientSecret] = useState('');
  const [igVersion, setIgVersion] = useState(environment.igVersion);
  const [terminologyRelease, setTerminologyRelease] = useState(environment.terminologyRelease ?? '');
  const knownReleases = useApiQuery('terminology:in-force', {}).data?.knownTerminologyReleases ?? [];
  const [proxyMode, setProxyMode] = useState<ProxyMode>(environment.proxy.mode);
  const [proxyUrl, setProxyUrl] = useState('');
  const update = useApiMutation('environments:update', ['environments', 'terminology', 'units']);
  const [errors, setErrors] = useState<ConnectionSettingsErrors | null>(null);
  const ids = { fhir: useId(), token: useId(), client: useId(), proxy: useId() };
  // A stored manual proxy is kept while its (masked) address is not retyped.
  const fields = () => ({
    fhirBaseUrl,
    tokenUrl,
    clientId,
    proxyUrl: proxyMode === 'manual' && (proxyUrl || environment.proxy.mode !== 'manual') ? proxyUrl : undefined,
  });
  // After a first attempt, the messages follow what the referent corrects.
  const shown = errors && connectionSettingsErrors(fields());
  const fieldProps = (key: keyof ConnectionSettingsErrors, id: string) => ({
    'aria-invalid': shown?.[key] ? true : undefined,
    'aria-describedby': shown?.[key] ? id : undefined,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = connectionSettingsErrors(fields());
    setErrors(found);
    if (Object.keys(found).length > 0) {
      // The previous "Paramètres enregistrés." must not stay beside the refusal.
      update.reset();
      return;
    }
    update.mutate(
      {
        id: environment.id,
        fhirBaseUrl,
        tokenUrl,
        clientId,
        igVersion,
        terminologyRelease: terminologyRelease || null,
        ...(clientSecret ? { clientSecret } : {}),
        // A proxy URL may carry credentials: it comes back masked, so the stored one is kept unless retyped.
        ...(proxyMode !== 'manual'
          ? { proxy: { mode: proxyMode } }
          : proxyUrl || environment.proxy.mode !== 'manual'
            ? { proxy: { mode: 'manual' as const, url: proxyUrl } }
            : {}),
      },
      { onSettled: () => setClientSecret('') },
    );
  };

  return (
    <section className="panel" aria-labelledby="conn-title">
      <h2 id="conn-title">Connexion à ViaTrajectoire — {environment.label}</h2>
      <form noValidate onSubmit={submit}>
        <div className="form-grid">
          <div className="field">
            <label>
              Adresse de l’API FHIR
              <input
                type="url"
                value={fhirBaseUrl}
                onChange={(e) => setFhirBaseUrl(e.target.value)}
                placeholder="https://…/fhir"
                {...fieldProps('fhirBaseUrl', ids.fhir)}
              />
            </label>
            <FieldError id={ids.fhir} message={shown?.fhirBaseUrl} />
          </div>
          <div className="field">
            <label>
              Adresse du service de jeton (OAuth2)
              <input
                type="url"
                value={tokenUrl}
                onChange={(e) => setTokenUrl(e.target.value)}
                placeholder="https://…/token"
                {...fieldProps('tokenUrl', ids.token)}
              />
            </label>
            <FieldError id={ids.token} message={shown?.tokenUrl} />
          </div>
          <div className="field">
            <label>
              Identifiant client (client_id)
              <input
                value={clientId}
                onChange={(e) => setClientId(e.target.value)}
                autoComplete="off"
                {...fieldProps('clientId', ids.client)}
              />
            </label>
            <FieldError id={ids.client} message={shown?.clientId} />
          </div>
          <label>
            Secret client (client_secret)
            <input
              type="password"
              autoComplete="new-password"
              value={clientSecret}
              onChange={(e) => setClientSecret(e.target.value)}
              placeholder={environment.clientSecretSet ? 'Enregistré — saisir pour le remplacer' : 'Non renseigné'}
              aria-describedby="secret-help"
            />
          </label>
          <label>
            Version des profils (guide d’implémentation)
            <select value={igVersion} onChange={(e) => setIgVersion(sdoVersion(e.target.value).id)}>
              {SDO_VERSIONS.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Version des terminologies attendue par ViaTrajectoire
            <select value={terminologyRelease} onChange={(e) => setTerminologyRelease(e.target.value)}>
              <option value="">Celle du guide ({sdoVersion(igVersion).terminologyRelease})</option>
              {knownReleases.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            Proxy
            <select value={proxyMode} onChange={(e) => setProxyMode(e.target.value as ProxyMode)}>
              <option value="system">Celui du système (HTTPS_PROXY)</option>
              <option value="manual">Proxy indiqué ci-dessous</option>
              <option value="none">Aucun (connexion directe)</option>
            </select>
          </label>
          {proxyMode === 'manual' && (
            <div className="field">
              <label>
                Adresse du proxy
                <input
                  value={proxyUrl}
                  onChange={(e) => setProxyUrl(e.target.value)}
                  placeholder={environment.proxy.url ?? 'http://proxy.exemple.fr:3128'}
                  {...fieldProps('proxyUrl', ids.proxy)}
                />
              </label>
              <FieldError id={ids.proxy} message={shown?.proxyUrl} />
            </div>
          )}
        </div>
        <p id="secret-help" className="muted">
          Le secret client est conservé chiffré et n’est jamais réaffiché. Secret client :{' '}
          <strong data-testid="client-secret-state">
            {environment.clientSecretSet ? 'enregistré' : 'non renseigné'}
          </strong>
          {' · '}Autorités de certification : {environment.trustAnchorCount}
          {' · '}Certificat choisi : {environment.certificateId ? 'oui' : 'non'}
        </p>
        <div className="actions">
          <button type="submit" disabled={update.isPending}>
            Enregistrer
          </button>
        </div>
      </form>
      {update.isSuccess && (
        <p className="notice notice-ok" role="status">
          Paramètres enregistrés.
        </p>
      )}
      <ErrorMessage error={update.error} />
    </section>
  );
}
