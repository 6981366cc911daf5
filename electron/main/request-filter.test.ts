import { expect, it } from 'vitest';
import { rendererRequestAllowed } from './request-filter';

const origin = 'app://referent-vt';

it('lets our origin through, and DevTools only in a developer build', () => {
  expect(rendererRequestAllowed('app://referent-vt/index.html', { origin, devTools: false })).toBe(true);
  expect(rendererRequestAllowed('devtools://devtools/bundled/inspector.html', { origin, devTools: false })).toBe(false);
  expect(rendererRequestAllowed('devtools://devtools/bundled/inspector.html', { origin, devTools: true })).toBe(true);
  for (const devTools of [false, true]) {
    expect(rendererRequestAllowed('https://example.invalid/', { origin, devTools })).toBe(false);
    expect(rendererRequestAllowed('app://referent-vt.evil/x', { origin, devTools })).toBe(false);
    expect(rendererRequestAllowed('file:///etc/passwd', { origin, devTools })).toBe(false);
  }
});
