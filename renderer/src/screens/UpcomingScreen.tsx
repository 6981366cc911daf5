import { ScreenTitle } from '../components/states';

/** Sections whose content is delivered by a later issue show their purpose and where the data will come from. */
export function makeUpcomingScreen(title: string, purpose: string) {
  return function UpcomingScreen() {
    return (
      <>
        <ScreenTitle description={purpose}>{title}</ScreenTitle>
        <p className="state state-empty">Cette section n’est pas encore disponible dans cette version.</p>
      </>
    );
  };
}
