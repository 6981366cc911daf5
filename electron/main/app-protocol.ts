import fs from 'node:fs';
import { protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../services/host/content-security-policy';
import { lookupStaticFile, type StaticFileLookup } from '../services/host/static-files';

export const APP_ORIGIN = 'app://referent-vt';

/** Serves the renderer bundle from app://referent-vt/, never outside its folder (docs/architecture.md §7). */
export function registerAppProtocol(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const found: StaticFileLookup =
      url.host === 'referent-vt' ? lookupStaticFile(rendererDir, url.pathname) : { kind: 'not-found' };
    if (found.kind === 'bad-request') return new Response('Adresse invalide', { status: 400 });
    if (found.kind !== 'file') return new Response('Introuvable', { status: 404 });
    try {
      return new Response(await fs.promises.readFile(found.file), {
        headers: { 'Content-Type': found.contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
      });
    } catch {
      return new Response('Introuvable', { status: 404 });
    }
  });
}
