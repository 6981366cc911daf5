/**
 * The layer rules (eslint.layers.mjs) through ESLint's Node API with the project's own eslint.config.mjs: files
 * planted in the tree for the time of the test import upwards, sideways, into the sandbox or into a test helper,
 * and are refused; a downward import beside them is not.
 */
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const services = path.join(root, 'electron/services');

interface Planted {
  /** Folder under electron/services where the file is planted. */
  readonly folder: string;
  readonly source: string;
  /** Whether the layer rule must refuse it. */
  readonly refused: boolean;
}

const PLANTED: Record<string, Planted> = {
  'infrastructure → app (upward)': {
    folder: 'db',
    source: "import type { AppContext } from '../app/app-context';\nexport type Planted = AppContext;\n",
    refused: true,
  },
  'feature → app (upward)': {
    folder: 'onboarding',
    source:
      "import type { ConnectionServices } from '../app/handlers/connection-services';\nexport type P = ConnectionServices;\n",
    refused: true,
  },
  'feature → shell (upward)': {
    folder: 'onboarding',
    source: "import type { CommandOutput } from '../cli/command';\nexport type Planted = CommandOutput;\n",
    refused: true,
  },
  'feature → another feature (sideways)': {
    folder: 'worklist',
    source:
      "import { ESAT_UNIT_CATEGORY } from '../onboarding/onboarding-checklist';\nexport const planted = ESAT_UNIT_CATEGORY;\n",
    refused: true,
  },
  'certs → transport (the cycle removed)': {
    folder: 'certs',
    source: "import { TransportError } from '../transport/transport-error';\nexport const planted = TransportError;\n",
    refused: true,
  },
  'feature → sandbox (tool layer)': {
    folder: 'sync',
    source: "import { startSandbox } from '../sandbox/sandbox-server';\nexport const planted = startSandbox;\n",
    refused: true,
  },
  'product → test helper': {
    folder: 'journal',
    source: "import { makeTempDir } from '../testing/temp-dir';\nexport const planted = makeTempDir;\n",
    refused: true,
  },
  'feature → infrastructure (downward)': {
    folder: 'worklist',
    source: "import { openDatabase } from '../db/database';\nexport const planted = openDatabase;\n",
    refused: false,
  },
};

const files = new Map<string, string>();
let layerMessages: Map<string, string[]>;

beforeAll(async () => {
  for (const [name, planted] of Object.entries(PLANTED)) {
    const file = path.join(services, planted.folder, `planted-${randomUUID()}.ts`);
    writeFileSync(file, planted.source);
    files.set(name, file);
  }
  const results = await new ESLint({ cwd: root }).lintFiles([...files.values()]);
  layerMessages = new Map(
    results.map((r) => [
      r.filePath,
      r.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message),
    ]),
  );
});
afterAll(() => {
  for (const file of files.values()) rmSync(file, { force: true });
});

describe('layer rules of npm run lint', () => {
  it.each(Object.entries(PLANTED))('%s', (name, planted) => {
    const messages = layerMessages.get(files.get(name) ?? '') ?? [];
    if (planted.refused) expect(messages).toHaveLength(1);
    else expect(messages).toEqual([]);
  });
});
