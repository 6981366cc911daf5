/**
 * Environments (sandbox, ViaTrajectoire qualification, production) and the connection-check report the UI shows.
 * Each environment has its own data folder (database, certificate registry, secrets): data never mix.
 */
import type { AppErrorData } from '../errors/app-error';
import type { SdoVersion } from './sdo-versions';

export const ENVIRONMENT_IDS = ['sandbox-local', 'vt-qualification', 'production'] as const;
export type EnvironmentId = (typeof ENVIRONMENT_IDS)[number];

export const DEFAULT_ENVIRONMENT_ID: EnvironmentId = 'sandbox-local';

/** 'system' = HTTPS_PROXY / NO_PROXY from the environment; 'manual' = the URL below; 'none' = direct. */
export type ProxyMode = 'system' | 'manual' | 'none';

export interface ProxySetting {
  readonly mode: ProxyMode;
  /** http://host:port (credentials allowed as user:password@, never shown back). Only for 'manual'. */
  readonly url?: string;
}

export interface EnvironmentSettings {
  readonly id: EnvironmentId;
  /** French label for the UI. */
  readonly label: string;
  /** FHIR base of the SI-SdO. Empty = not configured (the real ViaTrajectoire URLs are not published). */
  readonly fhirBaseUrl: string;
  /** OAuth2 token endpoint. Empty = not configured. */
  readonly tokenUrl: string;
  /** OAuth2 client id (generic, per software); the secret lives in the secret store. */
  readonly clientId: string;
  /** The SDO guide release ViaTrajectoire speaks on this environment (SDO_VERSIONS). */
  readonly igVersion: SdoVersion;
  /**
   * The terminology release ViaTrajectoire is known to expect when it has moved ahead of the one the guide pins;
   * absent: the pinned one.
   */
  readonly terminologyRelease?: string;
  readonly proxy: ProxySetting;
  /** Registry id of the client certificate chosen for this environment, if any. */
  readonly certificateId?: string;
}

export interface EnvironmentSummary extends EnvironmentSettings {
  readonly active: boolean;
  /** Both URLs are set and a certificate is chosen. */
  readonly configured: boolean;
  readonly trustAnchorCount: number;
  readonly clientSecretSet: boolean;
}

export type ConnectionCheckStepKind = 'certificate' | 'tls' | 'token' | 'search';
export type ConnectionCheckStepStatus = 'ok' | 'error' | 'skipped';

export interface ConnectionCheckStep {
  readonly kind: ConnectionCheckStepKind;
  /** French label, e.g. "Recherche de décisions pour l'EG 010000002". */
  readonly label: string;
  readonly status: ConnectionCheckStepStatus;
  readonly durationMs: number;
  /** Only for 'search' steps. */
  readonly finessEg?: string;
  /** Short French note on success (protocol, number of EG…); never secrets or personal data. */
  readonly note?: string;
  readonly error?: AppErrorData;
}

export interface ConnectionCheckReport {
  readonly environmentId?: EnvironmentId;
  readonly startedAt: string;
  readonly ok: boolean;
  readonly steps: readonly ConnectionCheckStep[];
  /** FINESS EG listed in the token (empty if the token step failed). */
  readonly finessEgs: readonly string[];
  readonly totalDurationMs: number;
}
