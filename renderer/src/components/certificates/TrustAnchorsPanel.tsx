import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { Empty, ErrorMessage } from '../states';
import { formatDate } from '../format';
import { fileToBase64, TOO_LARGE_TO_IMPORT, tooLargeToImport } from './file-bytes';

/** The CA certificates of this environment (IGC-Santé test or production, or the sandbox's test CA). */
export function TrustAnchorsPanel() {
  const anchors = useApiQuery('trust-anchors:list', {});
  const importing = useApiMutation('trust-anchors:import', ['trust-anchors', 'environments']);
  const removing = useApiMutation('trust-anchors:remove', ['trust-anchors', 'environments']);
  const [fileKey, setFileKey] = useState(0);
  const [tooLarge, setTooLarge] = useState(false);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setTooLarge(tooLargeToImport(file));
    if (tooLargeToImport(file)) {
      setFileKey((k) => k + 1);
      return;
    }
    const contentBase64 = await fileToBase64(file);
    importing.mutate({ fileName: file.name, contentBase64 }, { onSettled: () => setFileKey((k) => k + 1) });
  };

  return (
    <section className="panel" aria-labelledby="anchors-title">
      <h2 id="anchors-title">Autorités de certification de l’environnement</h2>
      <p className="muted">
        Elles vérifient votre certificat à l’import et le serveur de ViaTrajectoire à chaque connexion.
      </p>
      {anchors.data && anchors.data.length === 0 && <Empty>Aucune autorité importée pour cet environnement.</Empty>}
      {anchors.data && anchors.data.length > 0 && (
        <table className="data-table" data-testid="trust-anchors">
          <caption className="visually-hidden">Autorités de certification</caption>
          <thead>
            <tr>
              <th scope="col">Sujet</th>
              <th scope="col">Fin de validité</th>
              <th scope="col">Empreinte SHA-256</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {anchors.data.map((a) => (
              <tr key={a.sha256Fingerprint}>
                <td>{a.subject}</td>
                <td>{formatDate(a.notAfter)}</td>
                <td className="mono">{a.sha256Fingerprint}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => removing.mutate({ sha256Fingerprint: a.sha256Fingerprint })}
                  >
                    Retirer
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <label className="field">
          Importer un fichier d’autorité (.pem, .crt)
          <input
            key={fileKey}
            type="file"
            accept=".pem,.crt,.cer"
            onChange={(e) => void onFile(e.target.files?.[0])}
            data-testid="anchor-file"
          />
        </label>
      </div>
      <ErrorMessage error={tooLarge ? TOO_LARGE_TO_IMPORT : (importing.error ?? removing.error)} />
    </section>
  );
}
