/**
 * The sandbox in its own process (bench:sync): its memory and CPU are the server's, not the client's being
 * measured. `node --import tsx sandbox-child-entry.ts` with an IPC channel; first message in:
 * `{ dataDir, decisions, legalEntities }`; out: `{ type: 'ready', ... }` with what a client needs; the process ends
 * when the parent disconnects. Faults go through the admin API (SandboxAdmin).
 */
import fs from 'node:fs';
import type { SandboxLegalEntitySeed } from '../../sandbox/sandbox-operations';
import { startSandbox } from '../../sandbox/sandbox-server';

export interface SandboxChildRequest {
  readonly dataDir: string;
  readonly decisions: number;
  readonly legalEntities: SandboxLegalEntitySeed[];
  readonly finessEj: string;
  readonly generateFor: string[];
}

export interface SandboxChildReady {
  readonly type: 'ready';
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly p12Base64: string;
  readonly p12Password: string;
  readonly caBundlePem: string;
  readonly generationSeconds: number;
}

process.once('message', (message: SandboxChildRequest) => {
  void (async () => {
    const sandbox = await startSandbox({
      dataDir: message.dataDir,
      initialDecisions: 0,
      legalEntities: message.legalEntities,
    });
    const t0 = performance.now();
    sandbox.operations.generateDecisions(message.decisions, message.generateFor);
    const client = sandbox.pki.clients[message.finessEj];
    if (!client) throw new Error('certificat client absent');
    const ready: SandboxChildReady = {
      type: 'ready',
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenUrl: sandbox.tokenUrl,
      adminUrl: sandbox.adminUrl,
      adminToken: sandbox.adminToken,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      p12Base64: fs.readFileSync(client.p12Path).toString('base64'),
      p12Password: client.password,
      caBundlePem: sandbox.caBundlePem,
      generationSeconds: (performance.now() - t0) / 1000,
    };
    process.send?.(ready);
    process.once('disconnect', () => {
      void sandbox.close().finally(() => process.exit(0));
    });
  })().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
});
