/**
 * ROR units of one EG into the local mirror (sandbox imitation endpoint, not in the IG). A unit the referent edited
 * locally (locally_edited) keeps its values; the remote copy is still kept in remote_json.
 */
import { withRetry } from '../net/retry-policy';
import { serverInstant, type SyncContext, type SyncCounters } from '../sync-context';

interface HealthcareService {
  identifier?: { system?: string; value?: string }[];
  name?: string;
  category?: { coding?: { code?: string }[] }[];
  characteristic?: { coding?: { system?: string; code?: string }[] }[];
  extension?: { url?: string; valueBoolean?: boolean }[];
  providedBy?: { identifier?: { value?: string }; display?: string };
}

function characteristic(hs: HealthcareService, systemPart: string): string | null {
  for (const c of hs.characteristic ?? []) {
    const coding = c.coding?.find((x) => x.system?.includes(systemPart));
    if (coding?.code) return coding.code;
  }
  return null;
}

/** Returns the server instant of the answer (used as the first flux 1 / 5 reference time). */
export async function pullRorUnits(
  ctx: SyncContext,
  finessEg: string,
  counters: SyncCounters,
): Promise<string | undefined> {
  const res = await withRetry(
    () =>
      ctx.transport.request({ method: 'GET', path: `HealthcareService?organization.identifier=${finessEg}`, finessEg }),
    ctx.retry,
    ctx.signal,
  );
  const entries = (res.body as { entry?: { resource?: HealthcareService }[] }).entry ?? [];
  const nowIso = ctx.now().toISOString();
  counters.units += await ctx.db.transaction(async (tx) => {
    // The token lists FINESS EG numbers only; the establishment's name comes with its units (providedBy).
    const establishmentName = entries.find((e) => e.resource?.providedBy?.display)?.resource?.providedBy?.display;
    if (establishmentName) {
      await tx.run('UPDATE geographic_entity SET name = ? WHERE finess_eg = ? AND name <> ?', [
        establishmentName,
        finessEg,
        establishmentName,
      ]);
    }
    let changed = 0;
    for (const entry of entries) {
      const hs = entry.resource;
      const idRor = hs?.identifier?.[0]?.value;
      if (!hs || !idRor || !hs.name) continue;
      const values = {
        eg: finessEg,
        idRor,
        name: hs.name,
        cat: hs.category?.[0]?.coding?.[0]?.code ?? null,
        temp: characteristic(hs, 'R240'),
        seq: hs.extension?.find((e) => e.url?.includes('accueil-sequentiel'))?.valueBoolean === true ? 1 : 0,
        // JDV_J264 (TRE_R213), per the erratum of MS.CDM/VT.46 — not J19.
        mode: characteristic(hs, 'R213'),
        remote: JSON.stringify(hs),
        now: nowIso,
      };
      const r = await tx.run(
        `INSERT INTO ror_unit (finess_eg, id_ror, name, categorie_organisation, temporalite_accueil, accueil_sequentiel,
           mode_prise_charge, origin, locally_edited, remote_json, updated_at)
         VALUES (@eg, @idRor, @name, @cat, @temp, @seq, @mode, 'vt', 0, @remote, @now)
         ON CONFLICT (id_ror) DO UPDATE SET
           name = CASE WHEN ror_unit.locally_edited = 1 THEN ror_unit.name ELSE excluded.name END,
           categorie_organisation = CASE WHEN ror_unit.locally_edited = 1 THEN ror_unit.categorie_organisation
             ELSE excluded.categorie_organisation END,
           temporalite_accueil = CASE WHEN ror_unit.locally_edited = 1 THEN ror_unit.temporalite_accueil
             ELSE excluded.temporalite_accueil END,
           accueil_sequentiel = CASE WHEN ror_unit.locally_edited = 1 THEN ror_unit.accueil_sequentiel
             ELSE excluded.accueil_sequentiel END,
           mode_prise_charge = CASE WHEN ror_unit.locally_edited = 1 THEN ror_unit.mode_prise_charge
             ELSE excluded.mode_prise_charge END,
           remote_json = excluded.remote_json, updated_at = excluded.updated_at
         WHERE ror_unit.remote_json IS DISTINCT FROM excluded.remote_json`,
        values,
      );
      changed += r.changes;
    }
    return changed;
  });
  return serverInstant(res.body, res.serverDate);
}
