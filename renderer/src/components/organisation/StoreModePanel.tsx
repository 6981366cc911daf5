import { useState, type FormEvent } from 'react';
import type { OrganisationSettingsResult, StoreMode } from '@shared/ipc/channels/organisation-channels';
import { useApiMutation } from '../../api/use-api';
import { fileToBase64, TOO_LARGE_TO_IMPORT, tooLargeToImport } from '../certificates/file-bytes';
import { FilePicker } from '../forms/FilePicker';
import { formatDate } from '../format';
import { ErrorMessage } from '../states';

const MODE_LABEL: Record<StoreMode, string> = { poste: 'Poste seul', organisation: 'Organisation' };

/**
 * Where this desk keeps its data: its own encrypted database ("Poste seul", the default) or the organisation's
 * PostgreSQL server. The CA file is read here and sent as its bytes; the password is write-only.
 */
export function StoreModePanel({ settings }: { settings: OrganisationSettingsResult }) {
  const server = settings.server;
  const [mode, setMode] = useState<StoreMode>(settings.mode);
  const [host, setHost] = useState(server?.host ?? '');
  const [port, setPort] = useState(String(server?.port ?? 5432));
  const [database, setDatabase] = useState(server?.database ?? '');
  const [user, setUser] = useState(server?.user ?? '');
  const [password, setPassword] = useState('');
  const [caFile, setCaFile] = useState<File | undefined>();
  const [localError, setLocalError] = useState<string | null>(null);
  const update = useApiMutation('organisation:update', ['organisation']);
  const test = useApiMutation('organisation:test-connection', ['journal']);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    const portNumber = Number(port);
    if (mode === 'organisation' && (host.trim() === '' || database.trim() === '' || user.trim() === '')) {
      update.reset();
      setLocalError('Renseignez l’adresse du serveur, la base et le compte.');
      return;
    }
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) {
      update.reset();
      setLocalError('Le port est un nombre entre 1 et 65535.');
      return;
    }
    if (caFile && tooLargeToImport(caFile)) {
      update.reset();
      setLocalError(TOO_LARGE_TO_IMPORT.message);
      return;
    }
    const serverFields =
      host.trim() === '' ? {} : { host: host.trim(), port: portNumber, database: database.trim(), user: user.trim() };
    update.mutate(
      {
        mode,
        ...serverFields,
        ...(password ? { password } : {}),
        ...(caFile ? { caFileBase64: await fileToBase64(caFile) } : {}),
      },
      {
        onSettled: () => {
          setPassword('');
          setCaFile(undefined);
        },
      },
    );
  };

  const result = update.data ?? settings;
  return (
    <section className="panel" aria-labelledby="store-mode-title">
      <h2 id="store-mode-title">Mode de stockage</h2>
      <p>
        Session en cours : <strong data-testid="active-store-mode">{MODE_LABEL[settings.activeMode]}</strong>.{' '}
        {settings.activeMode === 'organisation'
          ? 'Les données sont sur le serveur PostgreSQL de l’organisation ; ce poste ne garde que ses réglages, ' +
            'certificats et secrets, chiffrés.'
          : 'Les données sont dans la base chiffrée de ce poste.'}
      </p>
      {result.settingsDamaged && (
        <p className="notice" role="status">
          Le fichier des réglages de l’organisation était illisible : ils sont affichés vides. Enregistrez-les de
          nouveau ; une copie de l’ancien fichier est conservée.
        </p>
      )}
      {result.restartRequired && (
        <p className="notice" role="status">
          Le mode « {MODE_LABEL[result.mode]} » sera utilisé au prochain démarrage de Référent VT.
        </p>
      )}
      <form noValidate onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>Où ce poste garde ses données</legend>
          <label>
            <input
              type="radio"
              name="store-mode"
              value="poste"
              checked={mode === 'poste'}
              onChange={() => setMode('poste')}
            />{' '}
            Poste seul (base chiffrée sur ce poste)
          </label>
          <label>
            <input
              type="radio"
              name="store-mode"
              value="organisation"
              checked={mode === 'organisation'}
              onChange={() => setMode('organisation')}
            />{' '}
            Organisation (serveur PostgreSQL partagé)
          </label>
        </fieldset>
        <div className="form-grid">
          <label>
            Serveur (nom ou adresse IP)
            <input value={host} onChange={(e) => setHost(e.target.value)} autoComplete="off" data-testid="org-host" />
          </label>
          <label>
            Port
            <input value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" data-testid="org-port" />
          </label>
          <label>
            Base de données
            <input value={database} onChange={(e) => setDatabase(e.target.value)} autoComplete="off" />
          </label>
          <label>
            Compte (identifiant PostgreSQL)
            <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" />
          </label>
          <label>
            Mot de passe
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              placeholder={result.passwordSet ? 'Enregistré — saisir pour le remplacer' : 'Non renseigné'}
            />
          </label>
          <FilePicker
            label="Autorité de certification de l’organisation (.pem, .crt)"
            accept=".pem,.crt,.cer"
            file={caFile}
            onChange={setCaFile}
            testId="org-ca-file"
          />
        </div>
        {result.server?.ca && result.server.ca.length > 0 && (
          <p className="muted" data-testid="org-ca">
            Autorité enregistrée :{' '}
            {result.server.ca.map((c) => `${c.subject} (jusqu’au ${formatDate(c.validTo)})`).join(' ; ')}. Connexion
            chiffrée et vérifiée (TLS verify-full).
          </p>
        )}
        {localError && (
          <p className="state state-error" role="alert">
            {localError}
          </p>
        )}
        <ErrorMessage error={update.error} />
        {update.isSuccess && (
          <p className="notice" role="status">
            Réglages enregistrés.
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={update.isPending}>
            Enregistrer
          </button>
          <button
            type="button"
            className="secondary"
            disabled={test.isPending || !result.server}
            onClick={() => test.mutate({})}
          >
            Tester la connexion
          </button>
        </div>
      </form>
      {test.isPending && (
        <p role="status" className="state state-loading">
          Test en cours…
        </p>
      )}
      <ErrorMessage error={test.error} />
      {test.data && (
        <ul className="check-steps" data-testid="org-connection-report" aria-label="Résultat du test de connexion">
          {test.data.steps.map((s) => (
            <li key={s.label} className={s.ok ? 'step-ok' : 'step-failed'}>
              <strong>
                {s.ok ? '✓' : '✗'} {s.label}
              </strong>{' '}
              : {s.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
