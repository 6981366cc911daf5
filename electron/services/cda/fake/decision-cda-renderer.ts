/**
 * Renders fake specs as CDA R2 documents shaped like the official examples CDA_SI-ESMS_Decision.xml /
 * CDA_SI-ESMS_Evaluation.xml (guide SDO 4.0.7, official CDA examples): same header, templates, element order and
 * cnsaSDO extensions.
 */
import type {
  CodedValue,
  EvaluationSubSection,
  Guardian,
  Informant,
  InstanceId,
  ParsedDecision,
  PersonName,
  PostalAddress,
  Telecom,
} from '@shared/domain/decision';
import { EVALUATION_SUB_SECTION_TEMPLATES } from '@shared/domain/decision';
import type { DecisionSpec } from './decision-spec-generator';
import type { EvaluationSpec } from './evaluation-spec-generator';

const INS_OID = { NIR: '1.2.250.1.213.1.4.8', NIA: '1.2.250.1.213.1.4.9' } as const;
const SOCIAL_SECURITY_NIR_OID = '1.2.250.1.213.1.4.13';
const VIATRAJECTOIRE_OID = '1.2.250.1.213.8.1';
const IDNAT_STRUCT_OID = '1.2.250.1.71.4.2.2';

type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** `<name attrs>inner</name>`, self-closing without inner; null/undefined attributes are left out. */
function el(name: string, attrs: Attrs = {}, ...inner: (string | null | undefined | false)[]): string {
  let open = '<' + name;
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) open += ` ${key}="${escapeXml(String(value))}"`;
  }
  const body = inner.filter((part): part is string => typeof part === 'string').join('');
  return body === '' ? open + '/>' : `${open}>${body}</${name}>`;
}

function textEl(name: string, value: string | null, attrs: Attrs = {}): string | null {
  return value === null ? null : el(name, attrs, escapeXml(value));
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

function codedAttrs(value: CodedValue): Attrs {
  return { code: value.code, displayName: value.display, codeSystem: value.codeSystem };
}

function idAttrs(id: InstanceId): Attrs {
  return { root: id.root, extension: id.extension };
}

function hl7(iso: string): string {
  return iso.replaceAll('-', '');
}

function address(a: PostalAddress): string {
  return el(
    'addr',
    { use: a.use },
    textEl('additionalLocator', a.additionalLocator),
    ...a.streetAddressLines.map((line) => textEl('streetAddressLine', line)),
    textEl('postalCode', a.postalCode),
    textEl('city', a.city),
    textEl('county', a.county),
  );
}

function telecoms(list: readonly Telecom[]): string {
  return list
    .map((t) => el('telecom', { value: t.kind === 'other' ? t.value : `${t.kind}:${t.value}`, use: t.use }))
    .join('');
}

function simpleName(n: PersonName): string {
  return el('name', {}, textEl('prefix', n.prefix), textEl('family', n.family), textEl('given', n.given));
}

function header(doc: ParsedDecision['document'], template: string, title: string): string {
  return [
    el('realmCode', { code: 'FR' }),
    el('typeId', { root: '2.16.840.1.113883.1.3', extension: 'POCD_HD000040' }),
    el('templateId', { root: template }),
    el('templateId', { root: '2.16.840.1.113883.10.12.2' }),
    el('id', idAttrs(doc.id)),
    el('code', {
      code: '18825-0',
      codeSystem: '2.16.840.1.113883.4.642.3.240',
      displayName: 'Medical social services attachment',
    }),
    textEl('title', title),
    doc.effectiveTime ? el('effectiveTime', { value: hl7(doc.effectiveTime) }) : null,
    el('confidentialityCode', {
      code: 'N',
      codeSystem: '2.16.840.1.113883.5.25',
      codeSystemName: 'Confidentiality',
      displayName: 'Normal',
    }),
    el('languageCode', { code: 'fr-FR' }),
    el('setId', idAttrs(doc.setId)),
    doc.versionNumber !== null ? el('versionNumber', { value: doc.versionNumber }) : null,
  ]
    .filter(Boolean)
    .join('\n');
}

function authorAndCustodian(time: string): string {
  return [
    el(
      'author',
      { contextControlCode: 'OP', typeCode: 'AUT' },
      el('time', { value: time }),
      el(
        'assignedAuthor',
        { classCode: 'ASSIGNED' },
        el('id', { root: VIATRAJECTOIRE_OID, extension: 'ViaTrajectoire' }),
      ),
    ),
  ].join('');
}

function custodian(): string {
  return el(
    'custodian',
    {},
    el(
      'assignedCustodian',
      {},
      el('representedCustodianOrganization', {}, el('id', { root: VIATRAJECTOIRE_OID, extension: 'ViaTrajectoire' })),
    ),
  );
}

function relatedDocument(id: InstanceId | null): string | null {
  return id ? el('relatedDocument', { typeCode: 'RPLC' }, el('parentDocument', {}, el('id', idAttrs(id)))) : null;
}

function documentOpen(cnsaPrefix: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:${cnsaPrefix}="urn:cnsaSDO" ` +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
  );
}

/** CDA "Individu et décision" for a spec. */
export function renderDecisionCda(spec: DecisionSpec): string {
  const d = spec.decision;
  const p = d.person;
  const x = (name: string): string => `${spec.render.cnsaPrefix}:${name}`;
  const cnsaCoded = (name: string, value: CodedValue | null): string | null =>
    value ? el(x(name), codedAttrs(value)) : null;
  const cnsaDate = (name: string, iso: string | null): string | null => (iso ? el(x(name), { value: hl7(iso) }) : null);
  const cnsaBool = (name: string, value: boolean | null): string | null =>
    value === null ? null : el(x(name), { value: String(value) });

  const name = el(
    'name',
    {},
    textEl('prefix', p.civility),
    textEl('family', p.familyNameBirth, { qualifier: 'BR' }),
    textEl('family', p.familyNameUsed, { qualifier: 'CL' }),
    textEl('given', p.givenNames),
    textEl('given', p.firstGivenNameBirth, { qualifier: 'BR' }),
    textEl('given', p.givenNameUsed, { qualifier: 'CL' }),
  );
  const patient = el(
    'patient',
    {},
    name,
    p.gender ? el('administrativeGenderCode', codedAttrs(p.gender)) : null,
    p.birthDate ? el('birthTime', { value: p.birthDate.raw }) : null,
    ...p.guardians.map(guardian),
    p.birthplace
      ? el(
          'birthplace',
          {},
          el(
            'place',
            {},
            el('addr', { use: 'PHYS' }, textEl('county', p.birthplace.communeCode), textEl('city', p.birthplace.city)),
          ),
        )
      : null,
  );
  const patientRole = el(
    'patientRole',
    {},
    p.ins ? el('id', { extension: p.ins.value, root: INS_OID[p.ins.kind] }) : null,
    el('id', { extension: p.idIndividu, root: p.idIndividuMdphOid }),
    ...p.addresses.map(address),
    telecoms(p.telecoms),
    textEl(x('nomOrganismeAM'), p.nomOrganismeAM),
    p.numSecuriteSocialeOuvrantDroit
      ? el(x('numSecuriteSocialeOuvrantDroit'), {
          root: SOCIAL_SECURITY_NIR_OID,
          extension: p.numSecuriteSocialeOuvrantDroit,
        })
      : null,
    cnsaDate('dateTransfertDossier', p.dateTransfertDossier),
    el(x('idMDPHResponsable'), idAttrs(p.idMDPHResponsable)),
    p.idMDPHAccueil ? el(x('idMDPHAccueil'), idAttrs(p.idMDPHAccueil)) : null,
    patient,
  );

  const dec = d.decision;
  const decisionXml = el(
    x('decision'),
    {},
    el(x('identifiantDecision'), idAttrs(dec.identifiantDecision)),
    cnsaCoded('typeDeDecision', dec.typeDeDecision),
    cnsaDate('dateDeDecision', dec.dateDeDecision),
    cnsaDate('dateEffetDeLaDecisionDeCloture', dec.dateEffetDeLaDecisionDeCloture),
    ...dec.identifiantDesDecisionsReviseesRenouveleesCloturee.map((l) =>
      el(x('identifiantDesDecisionsReviseesRenouveleesCloturee'), { root: l.root, extension: l.extension }),
    ),
    dec.idNatTiers ? el(x('idNat'), { root: IDNAT_STRUCT_OID, extension: dec.idNatTiers }) : null,
    ...dec.motivations.map((m) => cnsaCoded('motivation', m)),
    ...dec.motivationsLocales.map((m) => textEl(x('motivationLocale'), m)),
    cnsaCoded('precisionReponseRevisionTiers', dec.precisionReponseRevisionTiers),
    textEl(x('precisionLocale'), dec.precisionLocale),
    droitPrestation(),
  );

  function droitPrestation(): string | null {
    const dp = d.droitPrestation;
    if (!dp) return null;
    const c = dp.caracterisation;
    const det = dp.detail;
    const derogation =
      spec.render.derogationSpelling === 'IG'
        ? 'nbJoursDerogationAccueilTemporaire'
        : 'nbJourDerogationAccueilTemporaire';
    return el(
      x('droitPrestation'),
      {},
      cnsaCoded('typeDroitOuPrestation', dp.typeDroitOuPrestation),
      cnsaCoded('natureDroit', dp.natureDroit),
      cnsaDate('dateOuvertureDuDroit', dp.dateOuvertureDuDroit),
      cnsaDate('dateEcheanceDuDroit', dp.dateEcheanceDuDroit),
      cnsaCoded('qualification', dp.qualification),
      cnsaBool('amendementCreton', dp.amendementCreton),
      cnsaBool('existencePAG', dp.existencePAG),
      cnsaCoded('motifFinPAG', dp.motifFinPAG),
      c
        ? el(
            x('caracterisation'),
            {},
            cnsaCoded('niveau', c.niveau),
            cnsaCoded('motif', c.motif),
            cnsaDate('dateMiseAJour', c.dateMiseAJour),
          )
        : null,
      det
        ? el(
            x('detailTypeDroitPrestation'),
            {},
            cnsaCoded('precisionOrientation', det.precisionOrientation),
            textEl(x('precisionOrientationLocale'), det.precisionOrientationLocale),
            cnsaCoded('temporaliteAccueil', det.temporaliteAccueil),
            cnsaBool('accueilSequentiel', det.accueilSequentiel),
            ...det.idNatEsmsCibles.map((idNat) => el(x('idNat'), { root: IDNAT_STRUCT_OID, extension: idNat })),
            cnsaCoded('categorieEtablissement', det.categorieEtablissement),
            cnsaCoded('categorieOrganisation', det.categorieOrganisation),
            cnsaCoded('specialisationPriseEnCharge', det.specialisationPriseEnCharge),
            ...det.formations.map((f) => textEl(x('formation'), f)),
            cnsaCoded('modeEntreeDITEP', det.modeEntreeDITEP),
            det.nbJoursDerogationAccueilTemporaire !== null
              ? el(x(derogation), { value: det.nbJoursDerogationAccueilTemporaire })
              : null,
            ...det.priseEnCharge.map((pc) =>
              el(
                x('priseEnCharge'),
                {},
                cnsaCoded('modePriseEnCharge', pc.modePriseEnCharge),
                pc.quantification
                  ? el(
                      x('quantification'),
                      {},
                      pc.quantification.nombre !== null ? el(x('nombre'), { value: pc.quantification.nombre }) : null,
                      cnsaCoded('unite', pc.quantification.unite),
                      cnsaCoded('periodicite', pc.quantification.periodicite),
                    )
                  : null,
              ),
            ),
          )
        : null,
    );
  }

  const death = p.death
    ? el(
        'component',
        {},
        el(
          'section',
          {},
          el('templateId', { root: '1.2.250.1.213.1.1.2.228' }),
          el('templateId', { root: '2.16.840.1.113883.10.12.201' }),
          el(
            'entry',
            {},
            el(
              'observation',
              { classCode: 'OBS', moodCode: 'EVN' },
              el('templateId', { root: '1.2.250.1.213.1.1.3.176' }),
              el('templateId', { root: '2.16.840.1.113883.10.12.303' }),
              el('code', {}, el('originalText', {}, 'StatutDeces')),
              p.death.date ? el('effectiveTime', { value: hl7(p.death.date) }) : null,
              p.death.status ? el('value', { 'xsi:type': 'CE', ...codedAttrs(p.death.status) }) : null,
            ),
          ),
        ),
      )
    : null;

  const body = el(
    'component',
    {},
    el(
      'structuredBody',
      {},
      death,
      el('component', {}, el('section', {}, el('templateId', { root: '1.2.250.1.213.1.1.2.235' }), decisionXml)),
    ),
  );

  return (
    documentOpen(spec.render.cnsaPrefix) +
    [
      header(d.document, '1.2.250.1.213.1.1.1.4.8', 'Décision d’orientation (données fictives de test)'),
      el('recordTarget', {}, patientRole),
      authorAndCustodian(hl7(d.document.effectiveTime ?? dec.dateDeDecision) + '120000+0100'),
      ...d.parents.map((parent) => informant(parent, x)),
      custodian(),
      relatedDocument(d.document.replacedDocumentId),
      body,
    ]
      .filter(Boolean)
      .join('\n') +
    '\n</ClinicalDocument>\n'
  );
}

function guardian(g: Guardian): string {
  return el(
    'guardian',
    {},
    g.type ? el('code', codedAttrs(g.type)) : null,
    g.address ? address(g.address) : null,
    telecoms(g.telecoms),
    g.person ? el('guardianPerson', {}, simpleName(g.person)) : null,
    g.organisationName !== null ? el('guardianOrganization', {}, textEl('name', g.organisationName)) : null,
  );
}

function informant(i: Informant, x: (name: string) => string): string {
  return el(
    'informant',
    {},
    el(
      'relatedEntity',
      { classCode: 'PRS' },
      i.role ? el('code', codedAttrs(i.role), textEl('originalText', i.roleLabel)) : null,
      i.address ? address(i.address) : null,
      telecoms(i.telecoms),
      i.autoriteParentale !== null ? el(x('autoriteParentale'), { value: String(i.autoriteParentale) }) : null,
      i.name ? el('relatedPerson', {}, simpleName(i.name)) : null,
    ),
  );
}

/** CDA "Evaluation" for a spec. */
export function renderEvaluationCda(spec: EvaluationSpec): string {
  const e = spec.evaluation;
  const subSections = (Object.keys(EVALUATION_SUB_SECTION_TEMPLATES) as Exclude<EvaluationSubSection, 'autre'>[])
    .map((sub) => {
      const observations = e.observations.filter((o) => o.subSection === sub);
      if (observations.length === 0) return null;
      return el(
        'component',
        {},
        el(
          'section',
          {},
          el('templateId', { root: EVALUATION_SUB_SECTION_TEMPLATES[sub] }),
          el('templateId', { root: '2.16.840.1.113883.10.12.201' }),
          ...observations.map((o) =>
            el(
              'entry',
              {},
              el(
                'observation',
                { classCode: 'OBS', moodCode: 'EVN' },
                o.templateId ? el('templateId', { root: o.templateId }) : null,
                el('templateId', { root: '2.16.840.1.113883.10.12.303' }),
                el('code', {}, textEl('originalText', o.name)),
                el('value', { 'xsi:type': 'CE', code: o.code, codeSystem: o.codeSystem, displayName: o.display }),
              ),
            ),
          ),
        ),
      );
    })
    .filter(Boolean) as string[];
  const patientRole = el(
    'patientRole',
    {},
    e.ins ? el('id', { extension: e.ins.value, root: INS_OID[e.ins.kind] }) : null,
    e.idIndividu ? el('id', { extension: e.idIndividu, root: spec.idIndividuMdphOid }) : null,
    e.idMDPHResponsable ? el('cnsaSDO:idMDPHResponsable', idAttrs(e.idMDPHResponsable)) : null,
  );
  const body = el(
    'component',
    {},
    el(
      'structuredBody',
      {},
      el(
        'component',
        {},
        el(
          'section',
          {},
          el('templateId', { root: '1.2.250.1.213.1.1.2.229' }),
          el('templateId', { root: '2.16.840.1.113883.10.12.201' }),
          textEl('text', e.dateDerniereMiseAJour ? hl7(e.dateDerniereMiseAJour) : null),
          ...subSections,
        ),
      ),
    ),
  );
  return (
    documentOpen('cnsaSDO') +
    [
      header(e.document, '1.2.250.1.213.1.1.1.4.9', 'Évaluation (données fictives de test)'),
      el('recordTarget', {}, patientRole),
      authorAndCustodian(hl7(e.document.effectiveTime ?? '2000-01-01') + '120000+0100'),
      custodian(),
      relatedDocument(e.document.replacedDocumentId),
      body,
    ]
      .filter(Boolean)
      .join('\n') +
    '\n</ClinicalDocument>\n'
  );
}
