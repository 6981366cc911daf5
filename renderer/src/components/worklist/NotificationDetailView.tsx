import type { ReactNode } from 'react';
import type { Guardian, Informant, PersonName, PostalAddress } from '@shared/domain/decision';
import type { NotificationDetail } from '@shared/domain/worklist';
import { NATURE_DROIT, displayOf, orientationLabel, CATEGORIE_ORGANISATION } from '@shared/terminology/code-lists';
import { useApiMutation, useApiQuery } from '../../api/use-api';
import { ErrorMessage, Loading, ScreenTitle } from '../states';
import { formatDate, formatInstant } from '../format';
import { ATraiterBadge, ValidityBadge } from './badges';
import { useEstablishmentNames } from '../establishment-names';
import { ActionPanel } from './ActionPanel';
import { ConsentEvaluationPanel, RenewalCarryOver } from './ConsentEvaluationPanel';

const name = (n: PersonName | null) => (n ? [n.prefix, n.family, n.given].filter(Boolean).join(' ') : '—');
const address = (a: PostalAddress | null | undefined) =>
  a
    ? [a.additionalLocator, ...a.streetAddressLines, [a.postalCode, a.city].filter(Boolean).join(' ')]
        .filter(Boolean)
        .join(', ')
    : '—';
const yesNo = (v: boolean | null | undefined) => (v == null ? '—' : v ? 'Oui' : 'Non');

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? '—'}</dd>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="panel" aria-labelledby={`h-${title}`}>
      <h2 id={`h-${title}`}>{title}</h2>
      {children}
    </section>
  );
}

export function NotificationDetailView({ id }: { id: number }) {
  const detail = useApiQuery('notifications:detail', { id });
  if (detail.isPending) {
    return (
      <>
        <ScreenTitle>Notification</ScreenTitle>
        <Loading />
      </>
    );
  }
  if (!detail.data) {
    return (
      <>
        <ScreenTitle>Notification</ScreenTitle>
        <ErrorMessage error={detail.error} />
        <a href="#/notifications">Retour à la liste</a>
      </>
    );
  }
  return <DetailBody d={detail.data} />;
}

function DetailBody({ d }: { d: NotificationDetail }) {
  const { row, decision } = d;
  const person = decision?.person;
  const droit = decision?.droitPrestation;
  return (
    <>
      <p>
        <a href="#/notifications">← Retour à la liste des notifications</a>
      </p>
      <ScreenTitle description={`${row.egName} · décision ${row.idDecision}`}>
        {row.familyName} {row.givenNames}
      </ScreenTitle>
      <p className="status-line" data-testid="detail-status">
        Statut ESMS : <strong>{row.esmsStatusLabel}</strong>
        {row.esmsStatusDate ? ` (depuis le ${formatDate(row.esmsStatusDate)})` : ''}
        {row.aTraiter && (
          <>
            {' '}
            <ATraiterBadge reason={row.aTraiterReason} /> <span className="small">{row.aTraiterReason}</span>{' '}
            <AcknowledgeButton id={row.id} />
          </>
        )}
        {row.terminated && <span className="badge badge-info">Dossier terminé</span>}
      </p>

      <div className="detail-grid">
        <Section title="Identité">
          <dl className="fields">
            <Field label="Nom de naissance">{person?.familyNameBirth ?? row.familyName}</Field>
            <Field label="Nom d'usage">{person?.familyNameUsed}</Field>
            <Field label="Prénoms">{person?.givenNames ?? row.givenNames}</Field>
            <Field label="Date de naissance">{formatDate(row.birthDate)}</Field>
            <Field label="Sexe">{person?.gender?.display ?? person?.gender?.code}</Field>
            <Field label="INS">{person?.ins ? `${person.ins.value} (${person.ins.kind})` : '—'}</Field>
            <Field label="N° individu MDPH">{row.mdphIndividualId}</Field>
            <Field label="MDPH">{row.mdphLabel ?? person?.idMDPHResponsable.extension}</Field>
            <Field label="Adresse">{address(person?.addresses[0])}</Field>
          </dl>
          {person && person.guardians.length > 0 && (
            <>
              <h3>Mesure de protection</h3>
              <ul className="plain">
                {person.guardians.map((g: Guardian, i) => (
                  <li key={i}>
                    {g.type?.display ?? 'Mesure'} : {g.person ? name(g.person) : (g.organisationName ?? '—')} —{' '}
                    {address(g.address)}
                  </li>
                ))}
              </ul>
            </>
          )}
          {decision && decision.parents.length > 0 && (
            <>
              <h3>Parents</h3>
              <ul className="plain">
                {decision.parents.map((p: Informant, i) => (
                  <li key={i}>
                    {p.roleLabel ?? p.role?.display ?? 'Parent'} : {name(p.name)}
                    {p.autoriteParentale ? ' (autorité parentale)' : ''} — {address(p.address)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Section>

        <Section title="Décision d'orientation">
          <dl className="fields">
            <Field label="Orientation">{orientationLabel(row.category)}</Field>
            <Field label="Type de décision">{decision?.decision.typeDeDecision.display ?? '—'}</Field>
            <Field label="Nature du droit">
              {droit?.natureDroit
                ? (displayOf({ concepts: NATURE_DROIT }, droit.natureDroit.code) ?? droit.natureDroit.display)
                : '—'}
            </Field>
            <Field label="Date de décision">{formatDate(row.decisionDate)}</Field>
            <Field label="Validité">
              du {formatDate(row.validityStart)} au <ValidityBadge state={row.validity} end={row.validityEnd} />
            </Field>
            <Field label="Qualification">{droit?.qualification?.display ?? droit?.qualification?.code}</Field>
            <Field label="Priorité (caractérisation)">
              {droit?.caracterisation?.niveau?.display ?? droit?.caracterisation?.niveau?.code}
            </Field>
            <Field label="Catégorie d'organisation">
              {droit?.detail?.categorieOrganisation
                ? (displayOf(CATEGORIE_ORGANISATION, droit.detail.categorieOrganisation.code) ??
                  droit.detail.categorieOrganisation.display)
                : '—'}
            </Field>
            <Field label="Temporalité d'accueil">{droit?.detail?.temporaliteAccueil?.display}</Field>
            <Field label="Accueil séquentiel">{yesNo(droit?.detail?.accueilSequentiel)}</Field>
            <Field label="Mode de prise en charge">
              {droit?.detail?.priseEnCharge
                .map((p) => p.modePriseEnCharge?.display)
                .filter(Boolean)
                .join(', ') || '—'}
            </Field>
            <Field label="Précision">
              {droit?.detail?.precisionOrientation?.display ?? droit?.detail?.precisionOrientationLocale}
            </Field>
            {decision?.decision.dateEffetDeLaDecisionDeCloture && (
              <Field label="Effet de la clôture">{formatDate(decision.decision.dateEffetDeLaDecisionDeCloture)}</Field>
            )}
          </dl>
          {d.linkedDecisions.length > 0 && (
            <>
              <h3>Décisions liées</h3>
              <ul className="plain" data-testid="linked-decisions">
                {d.linkedDecisions.map((l) => (
                  <li key={`${l.direction}-${l.idDecision}`}>
                    {l.direction === 'remplacée par' ? 'Remplacée par' : 'Remplace'} la décision{' '}
                    {l.notificationId ? (
                      <a href={`#/notifications/${l.notificationId}`}>{l.idDecision}</a>
                    ) : (
                      l.idDecision
                    )}{' '}
                    ({l.kind})
                  </li>
                ))}
              </ul>
            </>
          )}
          <ConsentEvaluationPanel detail={d} />
        </Section>
      </div>

      <RenewalCarryOver detail={d} />
      <Section title="Unités">
        {row.units.length === 0 ? (
          <p className="muted">Aucune unité pour l’instant.</p>
        ) : (
          <ul className="plain" data-testid="unit-lines">
            {row.units.map((u) => (
              <li key={u.unitId}>
                <strong>{u.unitName}</strong> : {u.statusLabel} (le {formatDate(u.statusDate)})
              </li>
            ))}
          </ul>
        )}
      </Section>

      <ActionPanel detail={d} />

      <Section title="Historique des statuts">
        {d.timeline.length === 0 ? (
          <p className="muted">Aucun statut envoyé ni reçu.</p>
        ) : (
          <table className="data-table" data-testid="timeline">
            <caption className="visually-hidden">Statuts envoyés et reçus</caption>
            <thead>
              <tr>
                <th scope="col">Enregistré le</th>
                <th scope="col">Origine</th>
                <th scope="col">Statut ESMS</th>
                <th scope="col">Unité</th>
                <th scope="col">Transmission</th>
              </tr>
            </thead>
            <tbody>
              {d.timeline.map((e) => (
                <tr key={e.id}>
                  <td>{formatInstant(e.createdAt)}</td>
                  <td>
                    {e.origin === 'local' ? (
                      'Envoyé par vous'
                    ) : (
                      <>
                        Reçu de ViaTrajectoire
                        <Emitter idNat={e.emitter} ownFinessEg={row.finessEg} />
                      </>
                    )}
                  </td>
                  <td>
                    <Coded code={e.statutESMS}>{e.statutESMSLabel ?? '—'}</Coded>
                    {e.motifESMSLabel && (
                      <div className="small">
                        Motif : <Coded code={e.motifESMS}>{e.motifESMSLabel}</Coded>
                      </div>
                    )}
                    {e.dateStatutESMS && <div className="small muted">Date : {formatDate(e.dateStatutESMS)}</div>}
                    {e.description && <div className="small">« {e.description} »</div>}
                  </td>
                  <td>
                    {e.statutUniteLabel ? (
                      <>
                        {e.unitName ?? e.idUnite ?? ''} : <Coded code={e.statutUnite}>{e.statutUniteLabel}</Coded>
                      </>
                    ) : (
                      '—'
                    )}
                    {e.motifUniteLabel && (
                      <div className="small">
                        Motif : <Coded code={e.motifUnite}>{e.motifUniteLabel}</Coded>
                      </div>
                    )}
                    {e.dateStatutUnite && <div className="small muted">Date : {formatDate(e.dateStatutUnite)}</div>}
                  </td>
                  <td>
                    {e.transmission === null ? (
                      '—'
                    ) : (
                      <span
                        className={`badge badge-${e.transmission === 'envoyé' ? 'ok' : e.transmission === 'rejeté' ? 'error' : 'warn'}`}
                      >
                        {e.transmission}
                      </span>
                    )}
                    {e.rejectionReason && <div className="small">{e.rejectionReason}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

/** A status or motif by its label; its code only in the tooltip. */
function Coded({ code, children }: { code: string | null; children: ReactNode }) {
  return code ? <span title={`Code ${code}`}>{children}</span> : <>{children}</>;
}

/**
 * Who a received status is about when it is not this establishment: another one, by its name when it is known
 * here (its national identifier only in the tooltip).
 */
function Emitter({ idNat, ownFinessEg }: { idNat: string | null; ownFinessEg: string }) {
  const { nameOf } = useEstablishmentNames();
  if (!idNat || idNat === `1${ownFinessEg}`) return null;
  // A structure's national identifier is "1" followed by its FINESS.
  const name = nameOf(idNat.slice(1));
  return <span title={`Identifiant national ${idNat}`}> ({name ?? 'un autre établissement'})</span>;
}

function AcknowledgeButton({ id }: { id: number }) {
  const ack = useApiMutation('notifications:acknowledge', ['notifications']);
  return (
    <button type="button" className="secondary" disabled={ack.isPending} onClick={() => ack.mutate({ id })}>
      Marquer comme traitée
    </button>
  );
}
