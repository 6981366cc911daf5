import { useState } from 'react';
import type { CertificateSummary } from '@shared/domain/certificates';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { Empty, ErrorMessage } from '../states';
import { formatDate } from '../format';

/** Carte CPS / carte d’établissement through a PKCS#11 module. The PIN is asked per session and never stored. */
export function SmartCardPanel({ cardCertificates }: { cardCertificates: readonly CertificateSummary[] }) {
  const config = useApiQuery('smartcards:config', {});
  const setModules = useApiMutation('smartcards:set-modules', ['smartcards']);
  const [modulePath, setModulePath] = useState('');
  const [modulesText, setModulesText] = useState<string | undefined>();
  const [tokenSerial, setTokenSerial] = useState<string | undefined>();
  const chosenModule = modulePath || config.data?.availablePaths[0] || '';
  const tokens = useApiQuery('smartcards:tokens', { modulePath: chosenModule }, { enabled: false });
  const certs = useApiQuery(
    'smartcards:certificates',
    { modulePath: chosenModule, tokenSerial: tokenSerial ?? '' },
    { enabled: tokenSerial !== undefined },
  );
  const register = useApiMutation('smartcards:register', ['certificates', 'environments']);

  return (
    <section className="panel" aria-labelledby="cards-title">
      <h2 id="cards-title">Carte à puce (PKCS#11)</h2>
      <p className="muted">
        Pour une clé sur carte (CPS, carte d’établissement). Le code PIN est demandé à chaque session et n’est jamais
        enregistré.
      </p>
      {config.data && (
        <div className="form-grid">
          <label>
            Module du lecteur
            <select value={chosenModule} onChange={(e) => setModulePath(e.target.value)}>
              {config.data.modulePaths.map((p) => (
                <option key={p} value={p}>
                  {p}
                  {config.data.availablePaths.includes(p) ? '' : ' (absent)'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Emplacements des modules (un par ligne)
            <textarea
              rows={3}
              value={modulesText ?? config.data.modulePaths.join('\n')}
              onChange={(e) => setModulesText(e.target.value)}
            />
          </label>
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={modulesText === undefined}
          onClick={() =>
            setModules.mutate(
              {
                modulePaths: (modulesText ?? '')
                  .split('\n')
                  .map((l) => l.trim())
                  .filter(Boolean),
              },
              { onSuccess: () => setModulesText(undefined) },
            )
          }
        >
          Enregistrer les emplacements
        </button>
        <button type="button" className="secondary" disabled={!chosenModule} onClick={() => void tokens.refetch()}>
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
                  register.mutate({ modulePath: chosenModule, tokenSerial: c.tokenSerial, objectIdHex: c.objectIdHex })
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
      <ErrorMessage error={config.error ?? setModules.error ?? tokens.error ?? certs.error ?? register.error} />
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
