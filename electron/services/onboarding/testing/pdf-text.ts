/**
 * Test helper: the text drawn on each page of a pdf-lib PDF. pdf-lib writes standard-font text as hex strings
 * (`<…> Tj`) in WinAnsi inside Flate-compressed content streams: inflate, collect, decode as windows-1252.
 */
import zlib from 'node:zlib';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, type PDFRef } from 'pdf-lib';

export async function extractPdfText(bytes: Uint8Array): Promise<string[]> {
  const pdf = await PDFDocument.load(bytes);
  const decoder = new TextDecoder('windows-1252');
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
        parts.push(decoder.decode(Buffer.from(m[1] ?? '', 'hex')));
      }
    }
    return parts.join('\n');
  });
}
