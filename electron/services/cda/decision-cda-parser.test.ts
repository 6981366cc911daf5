import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import {
  CDA_MAX_BYTES,
  CDA_RULE,
  interpretBirthTime,
  isEvaluationCda,
  parseDecisionCda,
  parseEvaluationCda,
} from './decision-cda-parser';

const examples = fileURLToPath(new URL('../fhir/examples/cda/', import.meta.url));
const decisionXml = readFileSync(examples + 'CDA_SI-ESMS_Decision.xml', 'utf8');
const evaluationXml = readFileSync(examples + 'CDA_SI-ESMS_Evaluation.xml', 'utf8');

function cdaError(run: () => unknown): AppError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CDA_INVALID');
    return e as AppError;
  }
  throw new Error('CDA_INVALID attendu, aucune erreur levée');
}

describe('parseDecisionCda on the official example CDA_SI-ESMS_Decision.xml', () => {
  const parsed = parseDecisionCda(decisionXml);

  it('reads the header, including the example oddity setId = 01 (official CDA example of guide SDO 4.0.7)', () => {
    expect(parsed.document).toEqual({
      id: { root: '492BB602-B08C-11EE-A506-0242AC120002', extension: '002' },
      setId: { root: '492BB602-B08C-11EE-A506-0242AC120002', extension: '01' },
      idNatDecision: '01',
      versionNumber: 2,
      effectiveTime: '2023-01-10',
      replacedDocumentId: { root: '492BB602-B08C-11EE-A506-0242AC120002', extension: '001' },
    });
  });

  it('reads the person: INS, idIndividu, MDPH, names, birth date, contact, transfer', () => {
    const p = parsed.person;
    expect(p.ins).toEqual({ kind: 'NIR', value: '276059205062865' });
    expect(p.idIndividu).toBe('idDossierIndividu');
    expect(p.idIndividuMdphOid).toBe('1.2.250.1.213.7.14');
    expect(p.idMDPHResponsable).toEqual({ root: '1.2.250.1.213.7.6', extension: '06-ALPES MARITIMES' });
    expect(p.idMDPHAccueil).toEqual({ root: '1.2.250.1.213.7.24', extension: '22-COTES D ARMOR' });
    expect([p.familyNameBirth, p.familyNameUsed, p.givenNames, p.firstGivenNameBirth, p.givenNameUsed]).toEqual([
      'Lafayette',
      'Lafayette',
      'Marie',
      'Marie',
      'Marie',
    ]);
    expect(p.gender?.code).toBe('F');
    expect(p.birthDate).toEqual({ raw: '19960531', iso: '1996-05-31', uncertainty: 'none' });
    expect(p.birthplace).toEqual({ communeCode: '35238', city: 'RENNES' });
    expect(p.addresses).toHaveLength(1);
    expect(p.addresses[0]).toMatchObject({ use: 'PHYS', streetAddressLines: ['17 AV de Bruxelles'], city: 'Betton' });
    expect(p.telecoms).toEqual([
      { kind: 'tel', value: '0686970800', use: 'MC' },
      { kind: 'mailto', value: 'lafayette.marie@gmail.com', use: null },
    ]);
    expect(p.nomOrganismeAM).toBe('CPAM');
    // Text in the example instead of an II (official CDA example of guide SDO 4.0.7).
    expect(p.numSecuriteSocialeOuvrantDroit).toBe('276059205062865');
    expect(p.dateTransfertDossier).toBe('2023-02-01');
    expect(p.death).toEqual({
      status: { code: '1', display: 'Certifié', codeSystem: '1.2.250.1.213.3.3.100' },
      date: '2022-12-01',
    });
  });

  it('reads the guardian (tutelle, person) and the mother', () => {
    expect(parsed.person.guardians).toHaveLength(1);
    const guardian = parsed.person.guardians[0];
    expect(guardian?.type?.code).toBe('1');
    expect(guardian?.type?.display).toBe('Tutelle');
    expect(guardian?.person).toEqual({ prefix: null, family: 'Lafayette', given: 'Flore' });
    expect(guardian?.organisationName).toBeNull();
    expect(guardian?.address).toMatchObject({ postalCode: '35000', city: 'Rennes' });
    expect(guardian?.telecoms).toEqual([{ kind: 'tel', value: '0186940900', use: null }]);
    expect(parsed.parents).toEqual([
      {
        role: { code: 'MTH', display: 'Mère', codeSystem: '2.16.840.1.113883.5.111' },
        roleLabel: 'mère du patient',
        autoriteParentale: true,
        name: { prefix: 'MME', family: 'Lafayette', given: 'Elise' },
        address: {
          use: 'PHYS',
          additionalLocator: null,
          streetAddressLines: ['5 AV de Paris'],
          postalCode: '75007',
          city: 'PARIS',
          county: null,
        },
        telecoms: [{ kind: 'tel', value: '0186940910', use: null }],
      },
    ]);
  });

  it('reads the decision and the right: category 13.2, validity dates, priority, prise en charge', () => {
    expect(parsed.decision).toMatchObject({
      idDecision: 'idDossierDecision',
      typeDeDecision: { code: '1', display: 'Attribution' },
      dateDeDecision: '2022-01-01',
      dateEffetDeLaDecisionDeCloture: null,
      identifiantDesDecisionsReviseesRenouveleesCloturee: [],
      motivations: [{ code: '364', codeSystem: '1.2.250.1.213.3.3.148' }],
    });
    // The identifiantDecision root of the official CDA example (guide SDO 4.0.7) is the template OID, not an MDPH
    // OID: kept as sent.
    expect(parsed.decision.identifiantDecision.root).toBe('1.2.250.1.213.1.1.1.4.8');
    const droit = parsed.droitPrestation;
    expect(droit?.typeDroitOuPrestation).toEqual({
      code: '13.2',
      display: "Orientation vers un Etablissement d'accueil médicalisé en tout ou partie",
      codeSystem: '1.2.250.1.213.3.3.204',
    });
    expect(droit?.natureDroit?.code).toBe('1');
    expect(droit?.dateOuvertureDuDroit).toBe('2022-01-04');
    expect(droit?.dateEcheanceDuDroit).toBe('2023-01-04');
    expect(droit?.qualification?.code).toBe('1');
    expect(droit?.amendementCreton).toBe(true);
    expect(droit?.existencePAG).toBe(true);
    expect(droit?.caracterisation).toEqual({
      niveau: { code: '4', display: 'Priorité 4', codeSystem: '1.2.250.1.213.3.3.98' },
      motif: { code: '9', display: 'Maintien à domicile inadapté', codeSystem: '1.2.250.1.213.3.3.141' },
      dateMiseAJour: '2023-04-04',
    });
    expect(droit?.detail).toMatchObject({
      temporaliteAccueil: { code: '02', display: 'Permanent' },
      accueilSequentiel: false,
      idNatEsmsCibles: [],
      categorieEtablissement: { code: '101' },
      categorieOrganisation: { code: '09' },
      // Example spelling nbJourDerogationAccueilTemporaire.
      nbJoursDerogationAccueilTemporaire: 16,
      priseEnCharge: [
        {
          modePriseEnCharge: {
            code: '46',
            display: 'Hébergement (accueil jour et nuit)',
            codeSystem: '1.2.250.1.213.3.3.13',
          },
          quantification: {
            nombre: 15,
            unite: { code: '2', display: 'Journée', codeSystem: '1.2.250.1.213.3.3.211' },
            periodicite: { code: '3', display: 'Mensuelle', codeSystem: '1.2.250.1.213.3.3.163' },
          },
        },
      ],
    });
  });

  it('accepts a prefixed HL7 namespace', () => {
    const prefixed = decisionXml
      .replace(/<(\/?)([A-Za-z][\w]*)([\s>/])/g, (whole, slash: string, name: string, after: string) =>
        name === 'xml' ? whole : `<${slash}hl7:${name}${after}`,
      )
      .replace('xmlns="urn:hl7-org:v3"', 'xmlns:hl7="urn:hl7-org:v3"');
    expect(prefixed).toContain('<hl7:ClinicalDocument');
    expect(parseDecisionCda(prefixed)).toEqual(parsed);
  });

  it('does not depend on the cnsaSDO prefix and decodes character references', () => {
    const renamed = decisionXml.replaceAll('cnsaSDO:', 'ext:').replace('xmlns:cnsaSDO=', 'xmlns:ext=');
    expect(parseDecisionCda(renamed)).toEqual(parsed);
    const accented = decisionXml.replace('<given>Marie</given>', '<given>Ma&#233;lle &amp; Zo&#xEB;</given>');
    expect(parseDecisionCda(accented).person.givenNames).toBe('Maélle & Zoë');
  });

  it('reads the IG spelling nbJoursDerogationAccueilTemporaire, linked decisions and "A définir"', () => {
    const xml = decisionXml
      .replace('nbJourDerogationAccueilTemporaire value="16"', 'nbJoursDerogationAccueilTemporaire value="30"')
      .replace(
        '<cnsaSDO:motivation ',
        '<cnsaSDO:identifiantDesDecisionsReviseesRenouveleesCloturee root="1.2.250.1.213.7.6" extension="D-1"/>' +
          '<cnsaSDO:identifiantDesDecisionsReviseesRenouveleesCloturee root="1.2.250.1.213.7.6" extension="A définir"/>' +
          '<cnsaSDO:identifiantDesDecisionsReviseesRenouveleesCloturee extension="a DEFINIR"/>' +
          '<cnsaSDO:motivation ',
      );
    const p = parseDecisionCda(xml);
    expect(p.droitPrestation?.detail?.nbJoursDerogationAccueilTemporaire).toBe(30);
    expect(p.decision.identifiantDesDecisionsReviseesRenouveleesCloturee).toEqual([
      { root: '1.2.250.1.213.7.6', extension: 'D-1', unknown: false },
      { root: '1.2.250.1.213.7.6', extension: 'A définir', unknown: true },
      { root: null, extension: 'a DEFINIR', unknown: true },
    ]);
  });
});

describe('parseEvaluationCda on the official example CDA_SI-ESMS_Evaluation.xml', () => {
  const parsed = parseEvaluationCda(evaluationXml);

  it('reads the header, the person ids and the last update date', () => {
    expect(parsed.document.idNatDecision).toBe('02');
    expect(parsed.document.replacedDocumentId?.extension).toBe('008');
    expect(parsed.ins).toEqual({ kind: 'NIR', value: '276059205062865' });
    expect(parsed.idIndividu).toBe('idDossierIndividu');
    expect(parsed.idMDPHResponsable?.root).toBe('1.2.250.1.213.7.6');
    expect(parsed.dateDerniereMiseAJour).toBe('2023-01-10');
  });

  it('reads every observation with its sub-section, name and code', () => {
    expect(parsed.observations).toHaveLength(22);
    const count = (sub: string) => parsed.observations.filter((o) => o.subSection === sub).length;
    expect([
      count('environnement'),
      count('personnel'),
      count('scolaireProfessionnel'),
      count('evolutionBesoins'),
    ]).toEqual([5, 7, 7, 3]);
    expect(parsed.observations[0]).toEqual({
      subSection: 'environnement',
      templateId: '1.2.250.1.213.1.1.3.177',
      name: 'CompositionFoyer',
      code: 'II.1.bis.1',
      display: 'vit seule',
      codeSystem: '1.2.250.1.213.3.3.106',
    });
    const handicapRare = parsed.observations.find((o) => o.name === 'HandicapRare');
    expect(handicapRare).toMatchObject({ code: 'VII.9.bis.2', display: null, subSection: 'personnel' });
  });
});

describe('interpretBirthTime (IG conventions for unknown day/month)', () => {
  it.each([
    ['19960531', '1996-05-31', 'none'],
    ['19960501', '1996-05-01', 'day'],
    ['19960115', '1996-01-15', 'month'],
    ['19961231', '1996-12-31', 'dayAndMonth'],
    ['19960101', '1996-01-01', 'dayOrMonth'],
    ['199605', '1996-05-01', 'day'],
    ['1996', '1996-12-31', 'dayAndMonth'],
    ['19960231', null, 'none'],
  ])('%s → %s (%s)', (raw, iso, uncertainty) => {
    expect(interpretBirthTime(raw)).toEqual({ raw, iso, uncertainty });
  });
});

describe('broken documents raise CDA_INVALID with a French message and no personal data', () => {
  const cases: [string, string][] = [
    ['not XML', 'ceci n’est pas du XML'],
    ['truncated XML', decisionXml.slice(0, decisionXml.length - 200)],
    ['another root element', '<?xml version="1.0"?><Bundle xmlns="http://hl7.org/fhir"/>'],
    ['no HL7 namespace', decisionXml.replace('xmlns="urn:hl7-org:v3"', '')],
    ['no setId', decisionXml.replace(/<setId [^>]*\/>/, '')],
    ['no idIndividu', decisionXml.replace('<id extension="idDossierIndividu" root="1.2.250.1.213.7.14"/>', '')],
    ['no idMDPHResponsable', decisionXml.replace(/<cnsaSDO:idMDPHResponsable [^>]*><\/cnsaSDO:idMDPHResponsable>/, '')],
    ['no decision section', decisionXml.replace(/<cnsaSDO:decision>[\s\S]*<\/cnsaSDO:decision>/, '')],
    ['no identifiantDecision', decisionXml.replace(/<cnsaSDO:identifiantDecision [^>]*\/>/, '')],
    ['no dateDeDecision', decisionXml.replace(/<cnsaSDO:dateDeDecision [^>]*\/>/, '')],
    [
      'no dateEcheanceDuDroit',
      decisionXml.replace(/<cnsaSDO:dateEcheanceDuDroit [^>]*><\/cnsaSDO:dateEcheanceDuDroit>/, ''),
    ],
    ['an evaluation document', evaluationXml],
  ];
  it.each(cases)('%s', (_label, xml) => {
    const error = cdaError(() => parseDecisionCda(xml));
    expect(error.message).toMatch(/^Le document CDA de décision est inutilisable : /);
    expect(error.message).not.toMatch(/Lafayette|276059205062865|idDossier/);
    expect(error.detail ?? '').not.toMatch(/Lafayette|276059205062865/);
  });

  it('an empty or blank document (any Unicode white space, BOM included) is "vide"', () => {
    for (const blank of ['', ' \n\t\r\v\f', '\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff']) {
      const error = cdaError(() => parseDecisionCda(blank));
      expect(error.message).toBe('Le document CDA de décision est inutilisable : il est vide.');
      expect(error.detail).toBe('document');
    }
    // A character outside those is content: the document is then read (and refused as not XML).
    expect(cdaError(() => parseDecisionCda('\u200b')).message).toContain("ce n'est pas un XML bien formé");
  });

  it('an evaluation parser given a decision says so', () => {
    expect(cdaError(() => parseEvaluationCda(decisionXml)).message).toContain('document de décision');
  });
});

describe('bounded reading: size and depth refused as named limits, never another exception', () => {
  /** The official decision padded with a comment to `size` bytes (ASCII). */
  const padded = (size: number) =>
    decisionXml.replace('</ClinicalDocument>', `<!--${'x'.repeat(size)}--></ClinicalDocument>`);

  it('refuses a 5 MiB decision before parsing it, naming the limit', () => {
    const error = cdaError(() => parseDecisionCda(padded(5 * 1024 * 1024)));
    expect(error.detail).toBe(CDA_RULE.maxBytes);
    expect(error.message).toMatch(/au-delà de la limite de 1.048.576 octets/);
    expect(cdaError(() => parseEvaluationCda(padded(5 * 1024 * 1024))).detail).toBe(CDA_RULE.maxBytes);
  });

  it('measures UTF-8 bytes, not characters, and takes a smaller limit as an option', () => {
    const accents = decisionXml.replace('</ClinicalDocument>', `<!--${'é'.repeat(600_000)}--></ClinicalDocument>`);
    expect(accents.length).toBeLessThan(CDA_MAX_BYTES);
    expect(cdaError(() => parseDecisionCda(accents)).detail).toBe(CDA_RULE.maxBytes);
    expect(parseDecisionCda(decisionXml, { maxBytes: 16_000 }).document.idNatDecision).toBe('01');
    expect(cdaError(() => parseDecisionCda(decisionXml, { maxBytes: 1_000 })).detail).toBe(CDA_RULE.maxBytes);
  });

  it('refuses elements nested 5,000 deep, naming the limit', () => {
    const deep = `${'<x>'.repeat(5000)}${'</x>'.repeat(5000)}`;
    const xml = decisionXml.replace('</ClinicalDocument>', `${deep}</ClinicalDocument>`);
    const error = cdaError(() => parseDecisionCda(xml));
    expect(error.detail).toBe(CDA_RULE.maxDepth);
    expect(error.message).toContain('64 niveaux');
  });

  it('refuses a document of 250,000 empty elements, naming the limit', () => {
    const xml = decisionXml.replace('</ClinicalDocument>', `${'<x/>'.repeat(250_000)}</ClinicalDocument>`);
    expect(cdaError(() => parseDecisionCda(xml)).detail).toBe(CDA_RULE.maxElements);
  });

  it('refuses what is not a string as CDA_INVALID', () => {
    expect(cdaError(() => parseDecisionCda(undefined as unknown as string)).code).toBe('CDA_INVALID');
    expect(cdaError(() => isEvaluationCda(42 as unknown as string)).code).toBe('CDA_INVALID');
  });
});
