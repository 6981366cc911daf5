import { useCallback, useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useApiQuery } from '../api/use-api';
import { OrganisationUnavailableBanner } from '../components/organisation/OrganisationUnavailableBanner';
import { OfflineReviewBanner } from '../components/organisation/OfflineReviewBanner';
import { SECTIONS } from './navigation';
import { navigate, useRoute, type Route } from './use-route';
import { KEPT_WARM, PREFETCH, SCREENS } from './screens';

export function App() {
  const queryClient = useQueryClient();
  const prefetch = useCallback(
    (route: Route) => PREFETCH[route.section]?.(queryClient, route.detail, route.query),
    [queryClient],
  );
  const { section, detail, query } = useRoute(prefetch);
  const info = useApiQuery('app:info', {});
  // offline (issue 15): on the workstation's snapshot, the offline banner replaces the degraded-start one.
  const offline = useApiQuery('organisation:offline-status', {});
  const mainRef = useRef<HTMLElement>(null);
  const current = SECTIONS.find((s) => s.path === section) ?? SECTIONS[0];
  const environmentId = info.data?.environmentId;
  const sections = SECTIONS.filter((s) => !s.onlyIn || s.onlyIn === environmentId);

  // Move focus to the new screen's heading so keyboard and screen-reader users follow the navigation.
  useEffect(() => {
    mainRef.current?.querySelector('h1')?.focus();
    document.title = `${current?.label ?? ''} — Référent VT`;
  }, [section, current]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const target = SECTIONS.find((s) => s.key === e.key);
      if (target) {
        e.preventDefault();
        navigate(target.path);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const Screen = SCREENS[section];
  return (
    <div className="layout">
      <a
        className="skip-link"
        href="#contenu"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.querySelector('h1')?.focus();
        }}
      >
        Aller au contenu
      </a>
      <header className="topbar">
        <span className="brand">Référent VT</span>
        {info.data && (
          <span className="environment" data-testid="environment">
            Environnement : <strong>{info.data.environmentLabel}</strong>
          </span>
        )}
      </header>
      <nav className="sidebar" aria-label="Navigation principale">
        <ul>
          {sections.map((s) => (
            <li key={s.path}>
              <a href={`#/${s.path}`} aria-current={s.path === section ? 'page' : undefined} title={`Alt+${s.key}`}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="contenu" ref={mainRef} className="content">
        {info.data?.organisationUnavailable && offline.data?.mode !== 'hors-ligne' && (
          <OrganisationUnavailableBanner unavailable={info.data.organisationUnavailable} />
        )}
        <OfflineReviewBanner unavailable={info.data?.organisationUnavailable} />
        <Screen detail={detail} query={query} />
        {/* A section's detail view (a notification's file) does not show what is kept warm: back to the list at once. */}
        {Object.entries(KEPT_WARM).map(([path, Warmup]) =>
          path === section && !detail ? null : <Warmup key={path} />,
        )}
      </main>
    </div>
  );
}
