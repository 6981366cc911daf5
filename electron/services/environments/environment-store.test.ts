import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEnvironment, EnvironmentStore } from './environment-store';

const userData = (): string => mkdtempSync(join(tmpdir(), 'rvt-env-'));

describe('environment store', () => {
  it('starts on the local sandbox, with the real ViaTrajectoire URLs left empty', () => {
    const store = new EnvironmentStore(userData());
    expect(store.activeId()).toBe('sandbox-local');
    expect(store.list().map((e) => e.id)).toEqual(['sandbox-local', 'vt-qualification', 'production']);
    expect(store.get('production')).toMatchObject({ fhirBaseUrl: '', tokenUrl: '', igVersion: '4.0.7' });
  });

  it('persists edits and the active environment, and keeps each environment in its own folder', async () => {
    const dir = userData();
    const store = new EnvironmentStore(dir);
    await store.update('vt-qualification', {
      fhirBaseUrl: 'https://qualif.example.test/fhir',
      tokenUrl: 'https://qualif.example.test/token',
      igVersion: '4.0.5',
      proxy: { mode: 'manual', url: 'http://user:pw@proxy.example.test:3128' },
    });
    await store.setActive('vt-qualification');
    const reopened = new EnvironmentStore(dir);
    expect(reopened.activeId()).toBe('vt-qualification');
    expect(reopened.get('vt-qualification')).toMatchObject({
      igVersion: '4.0.5',
      fhirBaseUrl: 'https://qualif.example.test/fhir',
    });
    const paths = new Set(
      (['sandbox-local', 'vt-qualification', 'production'] as const).flatMap((id) => Object.values(reopened.paths(id))),
    );
    expect(paths.size).toBe(24);
    // The layout the app opens: <userData>/<environment id>, beside environments.json.
    expect(reopened.paths('vt-qualification')).toMatchObject({
      dataDir: join(dir, 'vt-qualification'),
      databaseFile: join(dir, 'vt-qualification', 'referent-vt.db'),
      secretsFile: join(dir, 'vt-qualification', 'secrets.json'),
    });
    const summary = describeEnvironment(reopened.get('vt-qualification'), {
      active: true,
      trustAnchorCount: 0,
      clientSecretSet: false,
    });
    expect(summary.proxy.url).not.toContain('pw');
    expect(summary.configured).toBe(false);
  });

  it('refuses a non-https URL and a manual proxy without URL', async () => {
    const store = new EnvironmentStore(userData());
    await expect(store.update('production', { fhirBaseUrl: 'http://vt.example.test/fhir' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(store.update('production', { proxy: { mode: 'manual' } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(store.get('production').fhirBaseUrl).toBe('');
  });
});
