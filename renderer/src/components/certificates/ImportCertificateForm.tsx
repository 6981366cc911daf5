import { useState, type FormEvent } from 'react';
import { useApiMutation } from '../../api/use-api';
import { ErrorMessage } from '../states';
import { fileToBase64, TOO_LARGE_TO_IMPORT, tooLargeToImport } from './file-bytes';
import { FilePicker } from '../forms/FilePicker';

export function ImportCertificateForm() {
  const [file, setFile] = useState<File | undefined>();
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  const importing = useApiMutation('certificates:import', ['certificates', 'environments', 'dashboard']);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || tooLargeToImport(file)) return;
    const contentBase64 = await fileToBase64(file);
    importing.mutate(
      { fileName: file.name, contentBase64, password, rememberPassword: remember },
      {
        onSettled: () => setPassword(''),
        onSuccess: () => setFile(undefined),
      },
    );
  };

  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title">Importer un certificat (.p12 / .pfx)</h2>
      <p className="muted">
        Le certificat IGC-Santé de votre entité juridique, avec sa clé privée. Il est vérifié (validité, usage,
        autorité) puis conservé chiffré ; seul son descriptif est affiché.
      </p>
      <form noValidate onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          <FilePicker
            label="Fichier du certificat"
            accept=".p12,.pfx,application/x-pkcs12"
            file={file}
            onChange={setFile}
            testId="p12-file"
          />
          <label>
            Mot de passe du certificat
            <input
              type="password"
              autoComplete="off"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="p12-password"
            />
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            Mémoriser le mot de passe (chiffré sur cet ordinateur)
          </label>
        </div>
        <div className="actions">
          <button type="submit" disabled={!file || tooLargeToImport(file) || importing.isPending}>
            {importing.isPending ? 'Import en cours…' : 'Importer'}
          </button>
        </div>
      </form>
      {importing.isSuccess && (
        <p className="notice notice-ok" role="status">
          Certificat « {importing.data.label} » importé.
        </p>
      )}
      <ErrorMessage error={file && tooLargeToImport(file) ? TOO_LARGE_TO_IMPORT : importing.error} />
    </section>
  );
}
