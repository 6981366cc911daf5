import { useState } from 'react';
import type { CertificateSummary } from '@shared/domain/certificates';
import { latestOf, useApiMutation, useApiQuery } from '../../api/use-api';
import { Empty, ErrorMessage } from '../states';
import { formatDate } from '../format';

/**
 * Carte CPS / carte d’établissement through a PKCS#11 module. The modules are those main offers (standard
 * locations found on this computer, files the operator chose): the renderer names one by its id, never by a path.
 * The PIN is asked per session and never stored.
 */
export function SmartCardPanel({ cardCertificates }: { cardCertificates: readonly CertificateSummary[] }) {
  const config = useApiQuery('smartcards:config', {});
  const choose = useApiMutation('smartcards:choose-module', ['smartcards']);
  const add = useApiMutation('smartcards:add-module', ['smartcards']);
  const remove = useApiMutation('smartcards:remove-module', ['smartcards']);
  const [moduleId, setModuleId] = useState('');
  const [typedPath, setTypedPath] = useState('');
  const [tokenSerial, setTokenSerial] = useState<string | undefined>();
  const usable = config.data?.modules.filter((m) => m.usable) ?? [];
  const chosenModule = config.data?.modules.find((m) => m.id === moduleId) ?? usable[0];
  const chosenId = chosenModule?.usable ? chosenModule.id : '';
  const tokens = useApiQuery('smartcards:tokens', { moduleId: chosenId }, { enabled: false });
  const certs = useApiQuery(
    'smartcards:certificates',
    { moduleId: chosenId, tokenSerial: tokenSerial ?? '' },
    { enabled: tokenSerial !== undefined && chosenId !== '' },
  );
  const register = useApiMutation('smartcards:register', ['certificates', 'environments']);

  return (
    <section className="panel" aria-labelledby="cards-title">
      <h2 id="cards-title">Carte à puce (PKCS#11)</h2>
      <p className="muted">
        Pour une clé sur carte (CPS, carte d’établissement). Le code PIN est demandé à chaque session et n’est jamais
        enregistré.
      </p>
      {config.data && config.data.modules.length === 0 && (
        <Empty>Aucun module de lecteur de carte (Cryptolib CPS, OpenSC) n’est installé sur cet ordinateur.</Empty>
      )}
      {config.data && config.data.modules.length > 0 && (
        <div className="form-grid">
          <label>
            Module du lecteur
            <select value={chosenModule?.id ?? ''} onChange={(e) => setModuleId(e.target.value)}>
              {config.data.modules.map((m) => (
                <option key={m.id} value={m.id} disabled={!m.usable}>
                  {m.path}
                  {m.origin === 'choisi' ? ' (choisi)' : ''}
                  {m.usable ? '' : ' (inutilisable)'}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {config.data?.choice === 'chemin' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate({ path: typedPath }, { onSuccess: () => setTypedPath('') });
          }}
        >
          <div className="form-grid">
            <label>
              Emplacement d’un autre module (.so, .dll, .dylib)
              <input value={typedPath} onChange={(e) => setTypedPath(e.target.value)} spellCheck={false} />
            </label>
            <div>
              <button type="submit" className="secondary" disabled={typedPath.trim() === '' || add.isPending}>
                Ajouter ce module
              </button>
            </div>
          </div>
        </form>
      )}
      <div className="actions">
        {config.data?.choice === 'dialogue' && (
          <button type="button" className="secondary" disabled={choose.isPending} onClick={() => choose.mutate({})}>
            Choisir un module…
          </button>
        )}
        {chosenModule?.origin === 'choisi' && (
          <button
            type="button"
            className="secondary"
            onClick={() => remove.mutate({ moduleId: chosenModule.id }, { onSuccess: () => setModuleId('') })}
          >
            Retirer ce module
          </button>
        )}
        <button type="button" className="secondary" disabled={!chosenId} onClick={() => void tokens.refetch()}>
          Rechercher les cartes
        </button>
      </div>
      {tokens.data && tokens.data.length === 0 && <Empty>Aucune carte détectée dans les lecteurs.</Empty>}
      {tokens.data && tokens.data.length > 0 && (
        <ul>
          {tokens.data.map((t) => (
            <li key={t.tokenSerial}>
              <button type="button" className="secondary" onClick={() => setTokenSerial(t.tokenSerial)}>
                Carte « {t.tokenLabel} » ({t.manufacturer}, n° {t.tokenSerial})
              </button>{' '}
              {t.pinLocked && <span className="badge badge-error">PIN bloqué</span>}
              {t.pinFinalTry && <span className="badge badge-warn">Dernier essai du PIN</span>}
            </li>
          ))}
        </ul>
      )}
      {certs.data && certs.data.length === 0 && <Empty>Aucun certificat sur cette carte.</Empty>}
      {certs.data && certs.data.length > 0 && (
        <ul>
          {certs.data.map((c) => (
            <li key={c.objectIdHex + c.sha256Fingerprint}>
              {c.subjectCommonName ?? c.subject} — FINESS EJ {c.finessEj ?? '—'} — jusqu’au {formatDate(c.notAfter)}{' '}
              <button
                type="button"
                onClick={() =>
                  register.mutate({ moduleId: chosenId, tokenSerial: c.tokenSerial, objectIdHex: c.objectIdHex })
                }
              >
                Utiliser ce certificat
              </button>
            </li>
          ))}
        </ul>
      )}
      {cardCertificates.map((c) => (
        <PinEntry key={c.id} certificate={c} />
      ))}
      <ErrorMessage
        error={config.error ?? tokens.error ?? certs.error ?? latestOf(choose, add, remove, register)?.error ?? null}
      />
    </section>
  );
}

function PinEntry({ certificate }: { certificate: CertificateSummary }) {
  const [pin, setPin] = useState('');
  const unlock = useApiMutation('smartcards:unlock');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        unlock.mutate({ id: certificate.id, pin }, { onSettled: () => setPin('') });
      }}
    >
      <div className="form-grid">
        <label>
          Code PIN de la carte « {certificate.tokenLabel ?? certificate.label} » (pour cette session)
          <input
            type="password"
            inputMode="numeric"
            autoComplete="off"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
          />
        </label>
        <div>
          <button type="submit" disabled={pin.length < 4 || unlock.isPending}>
            Valider le PIN
          </button>
        </div>
      </div>
      {unlock.isSuccess && (
        <p className="notice notice-ok" role="status">
          Code PIN accepté pour cette session.
        </p>
      )}
      <ErrorMessage error={unlock.error} />
    </form>
  );
}
