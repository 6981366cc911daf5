import { useState } from 'react';
import { latestOf, useApiMutation, useApiQuery } from '../../api/use-api';
import { Empty, ErrorMessage } from '../states';
import { formatDate } from '../format';
import { fileToBase64, TOO_LARGE_TO_IMPORT, tooLargeToImport } from './file-bytes';
import { FilePicker } from '../forms/FilePicker';

/** The CA certificates of this environment (IGC-Santé test or production, or the sandbox's test CA). */
export function TrustAnchorsPanel() {
  const anchors = useApiQuery('trust-anchors:list', {});
  const importing = useApiMutation('trust-anchors:import', ['trust-anchors', 'environments']);
  const removing = useApiMutation('trust-anchors:remove', ['trust-anchors', 'environments']);
  const [file, setFile] = useState<File | undefined>();
  const [tooLarge, setTooLarge] = useState(false);

  // Only the last action's outcome is shown: an old error must not stay beside a later success.
  const onFile = async (chosen: File | undefined) => {
    setFile(chosen);
    if (!chosen) return;
    setTooLarge(tooLargeToImport(chosen));
    if (tooLargeToImport(chosen)) {
      setFile(undefined);
      return;
    }
    const contentBase64 = await fileToBase64(chosen);
    importing.mutate({ fileName: chosen.name, contentBase64 }, { onSettled: () => setFile(undefined) });
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
                    onClick={() => {
                      setTooLarge(false);
                      removing.mutate({ sha256Fingerprint: a.sha256Fingerprint });
                    }}
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
        <FilePicker
          label="Importer un fichier d’autorité (.pem, .crt)"
          accept=".pem,.crt,.cer"
          file={file}
          onChange={(f) => void onFile(f)}
          testId="anchor-file"
        />
      </div>
      {!tooLarge && latestOf(importing, removing)?.isSuccess && (
        <p className="notice notice-ok" role="status">
          {importing.submittedAt > removing.submittedAt ? 'Autorité importée.' : 'Autorité retirée.'}
        </p>
      )}
      <ErrorMessage error={tooLarge ? TOO_LARGE_TO_IMPORT : (latestOf(importing, removing)?.error ?? null)} />
    </section>
  );
}
