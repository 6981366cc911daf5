import { useQuery } from '@tanstack/react-query';
import { call, useApiQuery } from '../api/use-api';
import { CertificateExpiryTile } from '../components/certificates/CertificateExpiryTile';
import { ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatCount, formatInstant } from '../components/format';
import { SyncGapNotice } from '../components/sync/SyncGapNotice';
import { worklistHref } from '../components/worklist/worklist-route';
import type { DashboardCounts } from '@shared/domain/dashboard';

/** Each tile opens the list it counts: the figure is the number of rows the referent finds there. */
const TILES: readonly {
  key: keyof Omit<DashboardCounts, 'lastSyncAt'>;
  label: string;
  href: string;
  tone?: 'alert';
}[] = [
  {
    key: 'notificationsATraiter',
    label: 'Notifications à traiter (non lues comprises)',
    href: worklistHref({ aTraiter: true }),
    tone: 'alert',
  },
  { key: 'notificationsNonLues', label: 'dont non lues', href: worklistHref({ esmsStatus: '39' }) },
  { key: 'notificationsActive', label: 'Notifications en cours', href: worklistHref({}) },
  { key: 'waitingListEntries', label: "Inscriptions en liste d'attente", href: '#/listes-attente' },
  { key: 'usersInCare', label: 'Usagers pris en charge', href: worklistHref({ unitStatus: '186' }) },
  { key: 'validityEndingSoon', label: 'Validité < 3 mois', href: worklistHref({ validity: 'bientot' }) },
  { key: 'outboxPending', label: 'Statuts en attente d’envoi', href: '#/synchronisation' },
  { key: 'outboxRejected', label: 'Statuts rejetés', href: '#/synchronisation', tone: 'alert' },
  { key: 'quarantined', label: 'Éléments refusés', href: '#/synchronisation/elements-refuses', tone: 'alert' },
];

/** The visit is recorded once per opening of the app, whatever the number of times the dashboard is shown. */
let visit: Promise<string | null> | undefined;
function previousVisit(): Promise<string | null> {
  visit ??= call('dashboard:start-visit', {}).then((r) => r.previousVisitAt);
  return visit;
}

export function DashboardScreen() {
  const counts = useApiQuery('dashboard:counts', {});
  const empty = counts.data !== undefined && counts.data.notificationsActive === 0 && !counts.data.lastSyncAt;
  return (
    <>
      <ScreenTitle description="Vue d’ensemble des notifications reçues de ViaTrajectoire et des statuts transmis.">
        Tableau de bord
      </ScreenTitle>
      <CertificateExpiryTile />
      <SyncGapNotice />
      {counts.isPending && <Loading />}
      <ErrorMessage error={counts.error} />
      {counts.data && counts.data.notificationsActive === 0 && <FirstSteps emptyAndNeverSynced={empty} />}
      <NewSinceLastVisitPanel />
      {counts.data && (
        <>
          {/* Shown again, the dashboard first holds its last figures while it reads the new ones. */}
          <ul className="tiles" aria-label="Indicateurs" aria-busy={counts.isFetching} data-testid="tiles">
            {TILES.map((t) => (
              <li key={t.key} className={`tile${t.tone === 'alert' && counts.data[t.key] > 0 ? ' tile-alert' : ''}`}>
                <a href={t.href} data-testid={`count-${t.key}`}>
                  <span className="tile-value">{formatCount(counts.data[t.key])}</span>
                  <span className="tile-label">{t.label}</span>
                </a>
              </li>
            ))}
          </ul>
          <p className="muted">
            Entités géographiques actives : {counts.data.geographicEntitiesActive} /{' '}
            {counts.data.geographicEntitiesTotal}
            {' · '}Dernière synchronisation : {formatInstant(counts.data.lastSyncAt)}
          </p>
        </>
      )}
    </>
  );
}

function NewSinceLastVisitPanel() {
  const since = useQuery({ queryKey: ['dashboard:visit'], queryFn: previousVisit, staleTime: Infinity });
  const news = useApiQuery('dashboard:new-since', { since: since.data ?? null }, { enabled: since.isSuccess });
  if (!news.data) return null;
  const n = news.data;
  const nothing = n.notifications === 0 && n.statusesReceived === 0 && n.rejected === 0;
  return (
    <section className="panel" aria-labelledby="new-since-title" data-testid="new-since">
      <h2 id="new-since-title">Nouveau depuis votre dernière visite</h2>
      <p className="muted">
        {n.since
          ? `Dernière visite : ${formatInstant(n.since)}.`
          : 'Première visite : tout ce qui a été reçu est nouveau.'}
      </p>
      {nothing ? (
        <p>Rien de nouveau.</p>
      ) : (
        <ul className="plain">
          {n.notifications > 0 && (
            <li>
              <a href={worklistHref({})}>{formatCount(n.notifications)} nouvelle(s) notification(s)</a>
              {n.latest.length > 0 && ' : '}
              {n.latest.map((l, i) => (
                <span key={l.id}>
                  {i > 0 && ', '}
                  <a href={`#/notifications/${l.id}`}>
                    {l.familyName} {l.givenNames}
                  </a>{' '}
                  <span className="muted">({l.egName})</span>
                </span>
              ))}
              {n.notifications > n.latest.length && '…'}
            </li>
          )}
          {n.statusesReceived > 0 && <li>{formatCount(n.statusesReceived)} statut(s) reçu(s) de ViaTrajectoire</li>}
          {n.rejected > 0 && (
            <li>
              <a href="#/synchronisation">{formatCount(n.rejected)} statut(s) refusé(s) par ViaTrajectoire</a>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

/** A new environment: what to do next, in order, each step with the screen that does it. */
function FirstSteps({ emptyAndNeverSynced }: { emptyAndNeverSynced: boolean }) {
  const checklist = useApiQuery('onboarding:checklist', {});
  const steps = [
    { id: 'certificat', label: 'Importer le certificat de votre entité juridique', href: '#/certificats' },
    { id: 'activation-ej', label: 'Tester la connexion à ViaTrajectoire', href: '#/parametres' },
    { id: 'activation-eg', label: 'Activer vos établissements', href: '#/entites-geographiques' },
  ] as const;
  const status = (id: string) => checklist.data?.checks.find((c) => c.id === id)?.status;
  if (!checklist.data) return null;
  if (!emptyAndNeverSynced && steps.every((s) => status(s.id) === 'ok')) return null;
  return (
    <section className="panel" aria-labelledby="first-steps-title" data-testid="first-steps">
      <h2 id="first-steps-title">Premiers pas</h2>
      <p>Aucune notification pour l’instant. Pour recevoir celles de ViaTrajectoire :</p>
      <ol>
        {steps.map((s) => (
          <li key={s.id} data-status={status(s.id)}>
            <a href={s.href}>{s.label}</a> — {status(s.id) === 'ok' ? 'fait' : 'à faire'}
          </li>
        ))}
        <li>
          <a href="#/synchronisation">Synchroniser</a> : les décisions reçues apparaissent ensuite dans les{' '}
          <a href="#/notifications">notifications</a>.
        </li>
      </ol>
    </section>
  );
}
