import { MAX_IMPORTED_FILE_BYTES } from '@shared/domain/certificates';

/** Files are capped before they are read: a certificate or a CA file is a few kilobytes. */
export function tooLargeToImport(file: File): boolean {
  return file.size > MAX_IMPORTED_FILE_BYTES;
}

/** Said before anything is sent. */
export const TOO_LARGE_TO_IMPORT = new Error(
  `Ce fichier dépasse ${MAX_IMPORTED_FILE_BYTES / 1024} Ko : ce n’est pas un certificat. Choisissez le bon fichier.`,
);

/** Reads a chosen file in the renderer: its bytes go to main as base64 (the renderer never parses a key). */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  bytes.fill(0);
  return btoa(binary);
}
