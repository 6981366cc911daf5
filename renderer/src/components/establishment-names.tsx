import { inReferentWords } from '@shared/domain/referent-words';
import { useApiQuery } from '../api/use-api';
import { TechnicalDetail } from './states';

/** The referent knows their establishments by name: the name for a FINESS EG, when it is known here. */
export function useEstablishmentNames(): {
  readonly nameOf: (finessEg: string) => string | undefined;
  readonly label: (finessEg: string) => string;
} {
  // Names only: the establishments' list with its counts reads every notification (≈0.4 s at 100,000).
  const egs = useApiQuery('geographic-entities:names', {});
  const nameOf = (finessEg: string) => egs.data?.find((g) => g.finessEg === finessEg)?.name;
  return { nameOf, label: (finessEg) => nameOf(finessEg) ?? `établissement ${finessEg}` };
}

/** A message of the sync or the journal: establishments by name, rule names folded in a "détail technique". */
export function ReferentWords({ message }: { message: string }) {
  const { nameOf } = useEstablishmentNames();
  const { text, technical } = inReferentWords(message, nameOf);
  return (
    <>
      {text}
      {technical && <TechnicalDetail>{technical}</TechnicalDetail>}
    </>
  );
}
