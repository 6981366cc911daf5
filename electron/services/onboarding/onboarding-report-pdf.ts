/**
 * The onboarding report the referent keeps (issue 7): date, EJ/EGs, each check with its evidence, in French.
 * pdf-lib's standard Helvetica uses WinAnsi encoding, which covers French (é è à ç ô œ « » ’ …); any other
 * character is replaced (see `winAnsiSafe`) rather than failing the whole report.
 */
import type { PDFFont, PDFPage } from 'pdf-lib';
import type { OnboardingChecklist } from '@shared/domain/onboarding';

export const REPORT_TITLE = 'Rapport de raccordement ViaTrajectoire';

const REPLACEMENTS: Record<string, string> = {
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u2009': ' ',
  '\u2192': '->',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2713': 'OK',
  '\u2717': 'X',
};

/** Keeps what the font can encode; replaces the rest (known look-alikes, else "?"). */
export function winAnsiSafe(text: string, font: PDFFont): string {
  const supported = new Set(font.getCharacterSet());
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || supported.has(cp)) out += ch;
    else out += REPLACEMENTS[ch] ?? '?';
  }
  return out;
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, size) <= width || !line) line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const frDateTime = (iso: string) => {
  const d = new Date(iso);
  return `${d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' })} à ${d.toLocaleTimeString('fr-FR', {
    timeZone: 'Europe/Paris',
  })}`;
};

export async function renderOnboardingReport(checklist: OnboardingChecklist): Promise<Uint8Array> {
  // pdf-lib is the slowest of the app's libraries to load: only when a report is made, not at every start.
  const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib');
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const margin = 50;
  const pageSize: [number, number] = [595.28, 841.89];
  let page: PDFPage = pdf.addPage(pageSize);
  let y = pageSize[1] - margin;
  const width = pageSize[0] - 2 * margin;

  const write = (
    text: string,
    options: { size?: number; font?: PDFFont; indent?: number; color?: [number, number, number] } = {},
  ) => {
    const size = options.size ?? 10;
    const font = options.font ?? regular;
    const indent = options.indent ?? 0;
    for (const line of wrap(winAnsiSafe(text, font), font, size, width - indent)) {
      if (y < margin + size) {
        page = pdf.addPage(pageSize);
        y = pageSize[1] - margin;
      }
      page.drawText(line, {
        x: margin + indent,
        y,
        size,
        font,
        color: options.color ? rgb(...options.color) : rgb(0, 0, 0),
      });
      y -= size * 1.35;
    }
  };
  const gap = (h = 6) => {
    y -= h;
  };

  write(REPORT_TITLE, { size: 18, font: bold });
  write(`Référent VT — environnement : ${checklist.environmentLabel}`, { size: 11 });
  write(`Établi le ${frDateTime(checklist.computedAt)}`, { size: 11 });
  gap();
  write(
    checklist.allGreen
      ? 'Résultat : toutes les vérifications sont réussies.'
      : `Résultat : ${checklist.checks.filter((c) => c.status !== 'ok').length} vérification(s) restent à faire.`,
    { size: 12, font: bold, color: checklist.allGreen ? [0, 0.45, 0.1] : [0.7, 0.1, 0.1] },
  );
  gap(10);
  write('Entité juridique', { size: 13, font: bold });
  write(
    checklist.legalEntity
      ? `FINESS EJ ${checklist.legalEntity.finessEj} — ${checklist.legalEntity.name}`
      : 'Entité juridique non encore connue',
  );
  gap();
  write('Entités géographiques', { size: 13, font: bold });
  if (checklist.establishments.length === 0) write('Aucune entité géographique connue.');
  for (const eg of checklist.establishments) {
    write(
      `FINESS EG ${eg.finessEg} — ${eg.name}${eg.esat ? ' (ESAT)' : ''} : ${
        eg.vtActivated ? 'activée par ViaTrajectoire' : 'non listée dans le jeton'
      }, ${eg.localActivated ? 'activée par le référent' : 'non activée par le référent'}, ${eg.unitCount} unité(s) ROR`,
      { indent: 10 },
    );
  }
  gap(10);
  write('Vérifications', { size: 13, font: bold });
  checklist.checks.forEach((c, i) => {
    gap(4);
    write(`${i + 1}. ${c.label} : ${c.status === 'ok' ? 'RÉUSSI' : 'À FAIRE'}`, {
      size: 11,
      font: bold,
      color: c.status === 'ok' ? [0, 0.45, 0.1] : [0.7, 0.1, 0.1],
    });
    for (const e of c.evidence) write(`- ${e}`, { indent: 14 });
    if (c.fix) write(`Action : ${c.fix.label}`, { indent: 14, font: bold });
  });

  pdf.setTitle(REPORT_TITLE);
  pdf.setSubject(
    `Raccordement ${checklist.legalEntity ? `EJ ${checklist.legalEntity.finessEj}` : ''} — ${checklist.environmentLabel}`,
  );
  pdf.setAuthor('Référent VT');
  pdf.setCreator('Référent VT');
  pdf.setProducer('Référent VT (pdf-lib)');
  pdf.setKeywords(['raccordement', 'ViaTrajectoire', checklist.allGreen ? 'conforme' : 'incomplet']);
  pdf.setLanguage('fr-FR');
  pdf.setCreationDate(new Date(checklist.computedAt));
  pdf.setModificationDate(new Date(checklist.computedAt));
  return pdf.save();
}

export function reportFileName(checklist: OnboardingChecklist): string {
  return `rapport-raccordement-${checklist.computedAt.slice(0, 10)}.pdf`;
}
