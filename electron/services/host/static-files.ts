/**
 * Which file of the renderer bundle a URL path names, for both ways of serving it (app:// in Electron, the browser
 * host): never outside its folder, never a folder or a special file, and a malformed %-escape is a bad request
 * rather than an exception.
 */
import fs from 'node:fs';
import path from 'node:path';
import { staticContentType } from './static-mime-types';

export type StaticFileLookup =
  | { readonly kind: 'file'; readonly file: string; readonly contentType: string }
  | { readonly kind: 'bad-request' }
  | { readonly kind: 'not-found' };

export function lookupStaticFile(rendererRoot: string, urlPathname: string): StaticFileLookup {
  const root = path.resolve(rendererRoot);
  let relative: string;
  try {
    relative = urlPathname === '/' ? 'index.html' : decodeURIComponent(urlPathname).replace(/^\/+/, '');
  } catch {
    return { kind: 'bad-request' };
  }
  if (relative.includes('\0')) return { kind: 'bad-request' };
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return { kind: 'not-found' };
  let isFile = false;
  try {
    isFile = fs.statSync(file).isFile();
  } catch {
    // absent or unreadable: not found either way
  }
  return isFile ? { kind: 'file', file, contentType: staticContentType(path.extname(file)) } : { kind: 'not-found' };
}
