/**
 * Terminology releases (ans.fr.terminologies) and the version of each code list they hold. A release is data: the
 * built-in ones are in ./data/terminology-releases.json, and an environment may add release files of its own (one
 * release per file, same shape) without a new build. The SDO guide pins a release (shared/domain/sdo-versions.ts);
 * resources are checked against it, or against the later one ViaTrajectoire is known to expect.
 */
import { z } from 'zod';
import { TERMINOLOGY_RELEASE_PATTERN, sdoVersion, type SdoSettings } from '../domain/sdo-versions';
import { MODE_PRISE_CHARGE, VERSIONED_CODE_LISTS, dayOfNosVersion, type CodeList, type Concept } from './code-lists';
import builtin from './data/terminology-releases.json';

const conceptSchema = z.object({
  code: z.string().min(1).max(64),
  display: z.string().min(1).max(500),
  system: z.string().max(500).optional(),
});

const listEntrySchema = z.object({
  version: z.string().min(1).max(100),
  validFrom: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  concepts: z.array(conceptSchema).max(5000).optional(),
});

/** One release file: which version of which list it holds (only the lists that changed need to be named). */
export const terminologyReleaseSchema = z.object({
  release: z.string().regex(TERMINOLOGY_RELEASE_PATTERN, 'numéro de version x.y.z attendu'),
  note: z.string().max(2000).optional(),
  lists: z.record(z.string().max(200), listEntrySchema),
});

export type TerminologyReleaseFile = z.infer<typeof terminologyReleaseSchema>;

/** The code lists as one terminology release has them. */
export interface CodeListsOfRelease {
  readonly release: string;
  /** The version of a list in this release (an unknown list id is a programming error). */
  list(id: string): CodeList;
  /** By ValueSet canonical (validator bindings). */
  byUrl(url: string): CodeList | undefined;
  /**
   * Label of a code: from this release's version of the list, else from the newest other known version that had
   * it — a code retired since still shows its label on the old records that carry it.
   */
  label(id: string, code: string | null | undefined): string | undefined;
}

export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class TerminologyCatalog {
  private readonly releases: readonly TerminologyReleaseFile[];
  /** Every known version of each list, oldest first, validity dates filled in. */
  private readonly versions = new Map<string, CodeList[]>();
  private readonly views = new Map<string, CodeListsOfRelease>();

  constructor(
    private readonly baseLists: readonly CodeList[],
    releases: readonly TerminologyReleaseFile[],
  ) {
    const byId = new Map<string, TerminologyReleaseFile>();
    for (const r of releases) byId.set(r.release, r); // a later file of the same release replaces the earlier one
    this.releases = [...byId.values()].sort((a, b) => compareReleases(a.release, b.release));
    for (const base of baseLists) {
      const found = new Map<string, CodeList>([[base.version, base]]);
      for (const r of this.releases) {
        const entry = r.lists[base.id];
        if (!entry) continue;
        if (!entry.concepts) {
          if (entry.version !== base.version) {
            throw new Error(
              `Terminologies ${r.release} : la version ${entry.version} de ${base.id} n’a pas de codes (seule la ${base.version} est connue sans eux)`,
            );
          }
          continue;
        }
        const validFrom = entry.validFrom ?? dayOfNosVersion(entry.version);
        found.set(entry.version, {
          id: base.id,
          url: base.url,
          system: base.system,
          version: entry.version,
          ...(validFrom ? { validFrom } : {}),
          concepts: entry.concepts.map((c) => ({
            code: c.code,
            display: c.display,
            ...(c.system ? { system: c.system } : {}),
          })),
        });
      }
      const sorted = [...found.values()].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
      this.versions.set(
        base.id,
        sorted.map((v, i) => {
          const next = sorted[i + 1]?.validFrom;
          return next ? { ...v, validTo: next } : v;
        }),
      );
    }
  }

  /** The known releases, oldest first. */
  releaseIds(): string[] {
    return this.releases.map((r) => r.release);
  }

  has(release: string): boolean {
    return this.releases.some((r) => r.release === release);
  }

  /** Every known version of a list, oldest first. */
  versionsOf(id: string): readonly CodeList[] {
    const found = this.versions.get(id);
    if (!found) throw new Error(`Liste de codes inconnue : ${id}`);
    return found;
  }

  /** The lists of one release; an unknown release fails loudly rather than falling back to another. */
  at(release: string): CodeListsOfRelease {
    const cached = this.views.get(release);
    if (cached) return cached;
    if (!this.has(release)) {
      throw new Error(
        `Version des terminologies inconnue : ${release} (connues : ${this.releaseIds().join(', ') || 'aucune'})`,
      );
    }
    const lists = new Map<string, CodeList>();
    for (const base of this.baseLists) {
      let version = base.version;
      for (const r of this.releases) {
        if (compareReleases(r.release, release) > 0) break;
        const entry = r.lists[base.id];
        if (entry) version = entry.version;
      }
      const list = this.versionsOf(base.id).find((v) => v.version === version);
      if (list) lists.set(base.id, list);
    }
    const view: CodeListsOfRelease = {
      release,
      list: (id) => {
        const list = lists.get(id);
        if (!list) throw new Error(`Liste de codes inconnue : ${id}`);
        return list;
      },
      byUrl: (url) => [...lists.values()].find((l) => l.url === url),
      label: (id, code) => {
        if (code == null) return undefined;
        const own = view.list(id).concepts.find((c) => c.code === code);
        if (own) return own.display;
        const older = [...this.versionsOf(id)].reverse();
        return older.flatMap((v) => v.concepts).find((c) => c.code === code)?.display;
      },
    };
    this.views.set(release, view);
    return view;
  }

  /** The same catalog with more release files (an environment's own). */
  with(releases: readonly TerminologyReleaseFile[]): TerminologyCatalog {
    return releases.length === 0 ? this : new TerminologyCatalog(this.baseLists, [...this.releases, ...releases]);
  }
}

/** The releases built into the product. */
export const BUILTIN_TERMINOLOGY = new TerminologyCatalog(
  VERSIONED_CODE_LISTS,
  z.object({ releases: z.array(terminologyReleaseSchema) }).parse(builtin).releases,
);

/**
 * The modes de prise en charge (JDV_J264) a Task may carry on an environment: the list of the terminology release
 * it exchanges with, narrowed by the guide's rule when its release has one (4.0.5: 46, 47, 48).
 */
export function modesPriseChargeInForce(sdo: SdoSettings, lists: CodeListsOfRelease): readonly Concept[] {
  const list = lists.list(MODE_PRISE_CHARGE.id);
  const allowed = sdoVersion(sdo.profileVersion).switches.modePriseChargeCodes;
  return allowed ? list.concepts.filter((c) => allowed.includes(c.code)) : list.concepts;
}
