/**
 * The organisation's certificate store (docs/decisions.md « Certificat de l'organisation dans PostgreSQL »): the
 * IGC-Santé organisation certificate (.p12) and its password, sealed (AES-256-GCM) under a per-certificate data key,
 * itself wrapped by the organisation key, which never enters the database. A dump of this table alone opens nothing.
 * Rights: the admin imports, rewraps and deletes; the sync and coordinator roles read everything (they may sync);
 * referents read the public columns only (which certificate, until when), never the sealed ones.
 */
import type { PostgresMigration } from './migration';
import { GROUP_ROLES } from './0003-roles-and-row-security';

/** What any member may read: the certificate's public description. */
export const ORGANISATION_CERTIFICATE_PUBLIC_COLUMNS = [
  'id',
  'label',
  'finess_ej',
  'subject',
  'subject_common_name',
  'issuer',
  'serial_number',
  'sha256_fingerprint',
  'not_before',
  'not_after',
  'cert_pem',
  'key_id',
  'imported_at',
  'imported_by',
] as const;

export const migration: PostgresMigration = {
  version: 8,
  name: '0008-organisation-certificates',
  sql: () => `
    CREATE TABLE organisation_certificate (
      id                   text PRIMARY KEY,
      label                text NOT NULL,
      finess_ej            text,
      subject              text NOT NULL,
      subject_common_name  text,
      issuer               text NOT NULL,
      serial_number        text NOT NULL,
      sha256_fingerprint   text NOT NULL UNIQUE,
      not_before           text NOT NULL,
      not_after            text NOT NULL,
      cert_pem             text NOT NULL,
      -- Which organisation key wraps data_key (an HMAC of the key, not the key): a workstation tells a wrong key
      -- from a damaged row before trying to decrypt.
      key_id               text NOT NULL,
      -- Base64 of [format 1][iv 12][tag 16][ciphertext]; associated data binds each to this row's id.
      wrapped_data_key     text NOT NULL,
      sealed_p12           text NOT NULL,
      sealed_password      text NOT NULL,
      imported_at          text NOT NULL,
      imported_by          text NOT NULL DEFAULT current_user
    );
    CREATE INDEX organisation_certificate_by_ej ON organisation_certificate (finess_ej, not_after);

    GRANT SELECT ON organisation_certificate TO ${GROUP_ROLES.sync}, ${GROUP_ROLES.coordinator};
    GRANT SELECT (${ORGANISATION_CERTIFICATE_PUBLIC_COLUMNS.join(', ')}) ON organisation_certificate
      TO ${GROUP_ROLES.referent};
    GRANT ALL ON organisation_certificate TO ${GROUP_ROLES.admin};
  `,
};
