/**
 * Strict CSP for the renderer (docs/architecture.md §7), the same under Electron (app:// protocol) and the browser
 * host: no remote code, no eval, network only to our own origin (the browser host's API).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
