/**
 * What a journal entry is about, in the referent's words: the person of a notification (with a link to it) rather
 * than "notification 23" / "outbox 13", the establishment's name rather than its FINESS. Resolved when the journal
 * is read, so no name is ever written into the journal itself.
 */
import type { JournalEntry, JournalSubject } from '@shared/domain/journal';
import type { SqlExecutor } from '../db/sql/sql-database';
import { displayFamilyName } from '@shared/domain/person-name';

interface PersonRow {
  family_name: string;
  used_family_name: string | null;
  given_names: string;
}

const PERSON_OF_NOTIFICATION = `SELECT p.family_name, p.used_family_name, p.given_names
  FROM notification n JOIN decision d ON d.id = n.decision_id JOIN person p ON p.id = d.person_id WHERE n.id = ?`;

export async function describeJournalSubjects(
  db: SqlExecutor,
  entries: readonly JournalEntry[],
  environmentLabel: (id: string) => string | undefined,
): Promise<(JournalEntry & { readonly subject: JournalSubject | null })[]> {
  const ofNotification = async (id: number, what: string): Promise<JournalSubject> => {
    const p = await db.get<PersonRow>(PERSON_OF_NOTIFICATION, [id]);
    return p
      ? {
          label: `${displayFamilyName(p.family_name, p.used_family_name)} ${p.given_names}`,
          route: `notifications/${id}`,
        }
      : { label: `${what} (notification supprimée)`, route: null };
  };

  const subjectOf = async (e: JournalEntry): Promise<JournalSubject | null> => {
    const id = e.recordId ?? '';
    switch (e.recordType) {
      case null:
        return null;
      case 'notification':
        return ofNotification(Number(id), 'Notification');
      case 'outbox':
      case 'envoi': {
        const notificationId = await db.value<number | null>('SELECT notification_id FROM outbox WHERE id = ?', [
          Number(id),
        ]);
        return notificationId
          ? ofNotification(notificationId, 'Statut')
          : { label: 'Statut', route: 'synchronisation' };
      }
      case 'sync_run': {
        const started = await db.value<string>('SELECT started_at FROM sync_run WHERE id = ?', [Number(id)]);
        return {
          label: started ? `Synchronisation du ${new Date(started).toLocaleString('fr-FR')}` : 'Synchronisation',
          route: 'synchronisation',
        };
      }
      case 'entité géographique':
      case 'établissement':
        return {
          label:
            (await db.value<string>('SELECT name FROM geographic_entity WHERE finess_eg = ?', [id])) ??
            `Établissement FINESS ${id}`,
          route: 'entites-geographiques',
        };
      case 'unité':
        return {
          label: (await db.value<string>('SELECT name FROM ror_unit WHERE id_ror = ?', [id])) ?? `Unité ${id}`,
          route: 'unites-ror',
        };
      case 'certificat':
        return { label: 'Certificat', route: 'certificats' };
      case 'autorité':
        return { label: 'Autorité de certification', route: 'certificats' };
      case 'environnement':
        return { label: environmentLabel(id) ?? 'Environnement', route: 'parametres' };
      case 'quarantaine':
        return { label: 'Élément refusé', route: 'synchronisation/elements-refuses' };
      case 'période':
        return { label: 'Période possiblement manquante', route: 'synchronisation' };
      case 'bac à sable':
        // The trainer's actions: their decision or establishment is fake data, named on the Bac à sable screen.
        return { label: 'Bac à sable', route: 'bac-a-sable' };
      default:
        return { label: `${e.recordType} ${id}`.trim(), route: null };
    }
  };
  const described: (JournalEntry & { readonly subject: JournalSubject | null })[] = [];
  for (const e of entries) described.push({ ...e, subject: await subjectOf(e) });
  return described;
}
