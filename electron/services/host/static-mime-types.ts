/** Content types of the renderer bundle's files, for both ways of serving it (app:// in Electron, the browser host). */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The content type of a file by its extension (as path.extname gives it), octet-stream when unknown. */
export function staticContentType(extension: string): string {
  return MIME_TYPES[extension] ?? 'application/octet-stream';
}
