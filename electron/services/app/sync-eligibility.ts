/**
 * Whether this workstation may take over the organisation's sync (sync/lease/sync-lease.ts): it can reach
 * ViaTrajectoire without anyone at the keyboard, i.e. the environment's certificate is chosen, not expired, and
 * usable now — a .p12 whose password is remembered, or a smart card whose PIN was entered in this session (the
 * card is in the reader) — or the organisation's certificate (organisation/organisation-certificates.ts) opens with
 * the organisation's key this workstation holds. A workstation that cannot sync never takes the lease, so it never
 * holds up the others.
 */
import os from 'node:os';
import type { SqlExecutor } from '../db/sql/sql-database';
import {
  organisationCertificateEligibility,
  organisationKeyPath,
  readOrganisationKeyFile,
} from '../organisation/organisation-certificates';
import type { ConnectionServices } from './handlers/connection-services';

export async function canSyncUnattended(
  services: ConnectionServices,
  now: () => Date,
  organisation?: { readonly db: SqlExecutor; readonly dataRoot: string },
): Promise<boolean> {
  if (deskCertificateUsable(services, now)) return true;
  if (!organisation) return false;
  const key = readOrganisationKeyFile(organisationKeyPath(organisation.dataRoot));
  if (!key) return false;
  try {
    return (await organisationCertificateEligibility(organisation.db, key, { now: now().getTime() })).usable;
  } finally {
    key.bytes.fill(0);
  }
}

function deskCertificateUsable(services: ConnectionServices, now: () => Date): boolean {
  const { certificateId } = services.environments.get(services.environmentId);
  if (!certificateId) return false;
  let certificate;
  try {
    certificate = services.registry.get(certificateId);
  } catch {
    return false;
  }
  if (Date.parse(certificate.notAfter) <= now().getTime()) return false;
  if (certificate.source === 'file') return certificate.passwordRemembered;
  return services.sessionPins.has(certificateId);
}

/** How the other workstations see this one on the Synchronisation screen: host name and session user. */
export function workstationLabel(): string {
  let user = '';
  try {
    user = os.userInfo().username;
  } catch {
    // No user entry (container): the host name alone.
  }
  return user ? `${os.hostname()} (${user})` : os.hostname();
}
