/**
 * Test helper: the text drawn on each page of a pdf-lib PDF. pdf-lib writes standard-font text as hex strings
 * (`<…> Tj`) in WinAnsi inside Flate-compressed content streams: inflate, collect, decode WinAnsi.
 */
import zlib from 'node:zlib';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, type PDFRef } from 'pdf-lib';

/** WinAnsi 0x80–0x9F (Node's windows-1252 decoder may treat them as latin-1 control characters). */
const WIN_ANSI_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWinAnsi(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b <= 0x9f ? (WIN_ANSI_HIGH[b - 0x80] ?? '?') : String.fromCharCode(b);
  return out;
}

export async function extractPdfText(bytes: Uint8Array): Promise<string[]> {
  const pdf = await PDFDocument.load(bytes);
  return pdf.getPages().map((page) => {
    const contents = page.node.get(PDFName.of('Contents'));
    const refs: PDFRef[] =
      contents instanceof PDFArray ? (contents.asArray() as PDFRef[]) : contents ? [contents as PDFRef] : [];
    const parts: string[] = [];
    for (const ref of refs) {
      const stream = pdf.context.lookup(ref);
      if (!(stream instanceof PDFRawStream)) continue;
      const filter = stream.dict.get(PDFName.of('Filter'));
      const raw = Buffer.from(stream.getContents());
      const data = filter === PDFName.of('FlateDecode') ? zlib.inflateSync(raw) : raw;
      for (const m of data.toString('latin1').matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) {
        parts.push(decodeWinAnsi(Buffer.from(m[1] ?? '', 'hex')));
      }
    }
    return parts.join('\n');
  });
}
