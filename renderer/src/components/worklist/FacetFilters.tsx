import type { WorklistFacets } from '@shared/domain/worklist';

/** The filter selects the notifications and waiting-list screens share: "" in the select is "no filter". */
interface FilterProps<T> {
  readonly facets: WorklistFacets | undefined;
  readonly value: T | undefined;
  readonly onChange: (value: T | undefined) => void;
}

export function EntityFilter({ facets, value, onChange }: FilterProps<string>) {
  return (
    <label>
      Établissement
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Tous</option>
        {facets?.geographicEntities.map((g) => (
          <option key={g.finessEg} value={g.finessEg}>
            {g.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function UnitFilter({ facets, value, onChange }: FilterProps<number>) {
  return (
    <label>
      Unité
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : undefined)}>
        <option value="">Toutes</option>
        {facets?.units.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function CategoryFilter({ facets, value, onChange }: FilterProps<string>) {
  return (
    <label>
      Orientation
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Toutes</option>
        {facets?.categories.map((c) => (
          <option key={c.code} value={c.code}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A select over a code list (e.g. the ESMS or unit statuses), "Tous" for no filter. */
export function CodeListFilter({
  label,
  concepts,
  value,
  onChange,
}: {
  readonly label: string;
  readonly concepts: readonly { readonly code: string; readonly display: string }[];
  readonly value: string | undefined;
  readonly onChange: (value: string | undefined) => void;
}) {
  return (
    <label>
      {label}
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Tous</option>
        {concepts.map((c) => (
          <option key={c.code} value={c.code}>
            {c.display}
          </option>
        ))}
      </select>
    </label>
  );
}
