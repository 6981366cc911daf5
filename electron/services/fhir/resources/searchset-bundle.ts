/** Search results (flux 1.2, 3.2, 5.2) as the SI-SdO returns them: a searchset Bundle with one match per resource. */
import { DEFAULT_SDO_VERSION, type SdoVersion } from '@shared/domain/sdo-versions';
import { PROFILE, notificationBundleProfileFor } from '../sdo-canonicals';
import type { FhirResource, SearchsetBundle } from './fhir-json';

export interface SearchsetOptions {
  /** Server base, e.g. `https://127.0.0.1:8443/fhir`; entries get `<base>/<Type>/<id>`. */
  readonly fullUrlBase: string;
  readonly lastUpdated: string;
  /** Release whose Bundle profile is declared for Task results (default 4.0.7). */
  readonly profileVersion?: SdoVersion;
}

function bundleProfile(resources: readonly FhirResource[], version: SdoVersion): string | undefined {
  const types = new Set(resources.map((r) => r.resourceType));
  if (types.size !== 1) return undefined;
  if (types.has('DocumentReference')) return PROFILE.bundleDecisionEvaluation;
  if (types.has('Task')) return notificationBundleProfileFor(version);
  return undefined;
}

export function searchsetBundle(resources: readonly FhirResource[], opts: SearchsetOptions): SearchsetBundle {
  const base = opts.fullUrlBase.replace(/\/+$/, '');
  const profile = bundleProfile(resources, opts.profileVersion ?? DEFAULT_SDO_VERSION);
  return {
    resourceType: 'Bundle',
    meta: { lastUpdated: opts.lastUpdated, ...(profile ? { profile: [profile] } : {}) },
    type: 'searchset',
    total: resources.length,
    ...(resources.length > 0
      ? {
          entry: resources.map((resource) => ({
            fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
            resource,
            search: { mode: 'match' as const },
          })),
        }
      : {}),
  };
}
