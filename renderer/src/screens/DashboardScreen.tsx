import { useApiQuery } from '../api/use-api';
import { CertificateExpiryTile } from '../components/certificates/CertificateExpiryTile';
import { ErrorMessage, Loading, ScreenTitle } from '../components/states';
import { formatCount, formatInstant } from '../components/format';
import { SyncGapNotice } from '../components/sync/SyncGapNotice';
import type { DashboardCounts } from '@shared/domain/dashboard';

const TILES: readonly {
  key: keyof Omit<DashboardCounts, 'lastSyncAt'>;
  label: string;
  href: string;
  tone?: 'alert';
}[] = [
  { key: 'notificationsATraiter', label: 'Notifications à traiter', href: '#/notifications', tone: 'alert' },
  { key: 'notificationsNonLues', label: 'Notifications non lues', href: '#/notifications' },
  { key: 'notificationsActive', label: 'Notifications en cours', href: '#/notifications' },
  { key: 'waitingListEntries', label: "Inscriptions en liste d'attente", href: '#/listes-attente' },
  { key: 'usersInCare', label: 'Usagers pris en charge', href: '#/notifications' },
  { key: 'validityEndingSoon', label: 'Validité < 3 mois', href: '#/notifications' },
  { key: 'outboxPending', label: 'Statuts en attente d’envoi', href: '#/synchronisation' },
  { key: 'outboxRejected', label: 'Statuts rejetés', href: '#/synchronisation', tone: 'alert' },
  { key: 'quarantined', label: 'Éléments refusés', href: '#/synchronisation/elements-refuses', tone: 'alert' },
];

export function DashboardScreen() {
  const counts = useApiQuery('dashboard:counts', {});
  return (
    <>
      <ScreenTitle description="Vue d’ensemble des notifications reçues de ViaTrajectoire et des statuts transmis.">
        Tableau de bord
      </ScreenTitle>
      <CertificateExpiryTile />
      <SyncGapNotice />
      {counts.isPending && <Loading />}
      <ErrorMessage error={counts.error} />
      {counts.data && (
        <>
          <ul className="tiles" aria-label="Indicateurs">
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
