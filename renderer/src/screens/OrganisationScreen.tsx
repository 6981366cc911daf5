import { useApiQuery } from '../api/use-api';
import { DeskMigrationPanel } from '../components/organisation/DeskMigrationPanel';
import { OrganisationAdminPanel } from '../components/organisation/OrganisationAdminPanel';
import { StoreModePanel } from '../components/organisation/StoreModePanel';
import { ErrorMessage, Loading, ScreenTitle } from '../components/states';

/** Organisation mode: where the data live, moving this desk into the organisation, and the admin's screen. */
export function OrganisationScreen() {
  const settings = useApiQuery('organisation:settings', {});
  return (
    <>
      <ScreenTitle description="Base de ce poste ou serveur PostgreSQL de l’organisation, migration du poste, comptes des référents.">
        Organisation
      </ScreenTitle>
      {settings.isPending && <Loading />}
      <ErrorMessage error={settings.error} />
      {settings.data && (
        <>
          <StoreModePanel settings={settings.data} />
          <DeskMigrationPanel serverReady={settings.data.server !== undefined && settings.data.passwordSet} />
          {settings.data.server && <OrganisationAdminPanel />}
        </>
      )}
    </>
  );
}
