import { useState } from 'react';
import { call, useApiQuery, type ApiError } from '../api/use-api';
import { ChecklistPanel } from '../components/onboarding/ChecklistPanel';
import { downloadBase64Pdf } from '../components/download';
import { ReprisePanel } from '../components/onboarding/ReprisePanel';
import { ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatInstant } from '../components/format';

/** "Raccordement": the onboarding checklist from real state, the report, and the reprise of known situations. */
export function OnboardingScreen() {
  const checklist = useApiQuery('onboarding:checklist', {});
  const [reportError, setReportError] = useState<ApiError | null>(null);
  const [generating, setGenerating] = useState(false);
  const [lastReport, setLastReport] = useState<string | null>(null);
  return (
    <>
      <ScreenTitle description="Le parcours de raccordement à ViaTrajectoire : chaque étape est vérifiée sur l’état réel de l’application.">
        Raccordement
      </ScreenTitle>
      <div className="actions">
        <button type="button" onClick={() => void checklist.refetch()}>
          Vérifier à nouveau
        </button>
        <button
          type="button"
          disabled={generating}
          onClick={() => {
            setGenerating(true);
            setReportError(null);
            call('onboarding:report', {})
              .then((r) => {
                downloadBase64Pdf(r.fileName, r.base64);
                setLastReport(r.fileName);
              })
              .catch((e: ApiError) => setReportError(e))
              .finally(() => setGenerating(false));
          }}
        >
          Générer le rapport
        </button>
        {lastReport && <span role="status">Rapport téléchargé : {lastReport}</span>}
      </div>
      <ErrorMessage error={reportError} />
      {checklist.isPending && <Loading />}
      <ErrorMessage error={checklist.error} />
      {checklist.data && (
        <>
          <p>
            Environnement : {checklist.data.environmentLabel} — vérifié le {formatInstant(checklist.data.computedAt)}
            {checklist.data.legalEntity &&
              ` — entité juridique ${checklist.data.legalEntity.name || 'sans nom connu'} (FINESS ${checklist.data.legalEntity.finessEj})`}
          </p>
          <ChecklistPanel checklist={checklist.data} />
        </>
      )}
      <ReprisePanel />
    </>
  );
}
