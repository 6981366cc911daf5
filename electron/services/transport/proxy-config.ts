/**
 * Which HTTPS proxy to use for a target URL: manual setting, or HTTPS_PROXY / NO_PROXY from the environment
 * (the usual way hospital networks impose one), or none.
 */
export function resolveProxy(
  target: URL,
  setting: { mode: 'system' | 'manual' | 'none'; url?: string },
  env: NodeJS.ProcessEnv = process.env,
): URL | undefined {
  if (setting.mode === 'none') return undefined;
  const raw = setting.mode === 'manual' ? setting.url : (env.HTTPS_PROXY ?? env.https_proxy);
  if (!raw) return undefined;
  if (setting.mode === 'system' && bypassesProxy(target, env.NO_PROXY ?? env.no_proxy ?? '')) return undefined;
  const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  return url;
}

function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || '443';
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [entryHost = '', entryPort] = entry.toLowerCase().split(':');
      if (entryPort && entryPort !== port) return false;
      const suffix = entryHost.replace(/^\*?\./, '');
      return host === suffix || host.endsWith(`.${suffix}`);
    });
}
