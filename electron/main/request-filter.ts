/**
 * What the window's session may load: our own app:// origin, and DevTools' pages only in a developer's build.
 * No Electron import, so the rule is tested in plain Node.
 */
export function rendererRequestAllowed(url: string, options: { origin: string; devTools: boolean }): boolean {
  if (url.startsWith(`${options.origin}/`)) return true;
  return options.devTools && url.startsWith('devtools://');
}
