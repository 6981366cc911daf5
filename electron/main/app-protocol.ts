import fs from 'node:fs';
import path from 'node:path';
import { protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../services/host/content-security-policy';
import { staticContentType } from '../services/host/static-mime-types';

export const APP_ORIGIN = 'app://referent-vt';

/** Serves the renderer bundle from app://referent-vt/, never outside its folder (anchors.md §9.7 rule 28). */
export function registerAppProtocol(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle('app', (request) => {
    const url = new URL(request.url);
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(root, relative);
    if (url.host !== 'referent-vt' || !file.startsWith(root + path.sep) || !fs.existsSync(file)) {
      return new Response('Introuvable', { status: 404 });
    }
    return new Response(fs.readFileSync(file), {
      headers: {
        'Content-Type': staticContentType(path.extname(file)),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      },
    });
  });
}
