/**
 * The worker→main HTTPS relay, on a real MessageChannel: the protocol side (token, struct_idnat) on one port, Node's
 * mTLS sender on the other, a whole sync of the sandbox through it, and failures arriving with their codes.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxFixture, type SandboxFixture } from '../sync/testing/sandbox-fixture';
import { createNodeHttpSender } from './node-transport';
import { createPortHttpSender, servePortHttpSender } from './port-http-sender';
import { createSdoTransport } from './sdo-transport';
import type { NodeTransportConfig } from './transport';
import { TransportError } from './transport-error';

let f: SandboxFixture;
beforeAll(async () => {
  f = await startSandboxFixture({ initialDecisions: 40 });
}, 60_000);
afterAll(async () => f?.close());

function relayedTransport(overrides: Partial<NodeTransportConfig> = {}) {
  const config: NodeTransportConfig = { ...f.transportConfig(), ...overrides };
  const { port1, port2 } = new MessageChannel();
  const realSender = createNodeHttpSender(config);
  servePortHttpSender(port1, realSender);
  const transport = createSdoTransport(config, () => createPortHttpSender(port2));
  return {
    transport,
    close: () => {
      transport.close();
      realSender.close();
      port1.close();
    },
  };
}

it('carries a whole sync of the sandbox: every decision, the same as a direct connection', async () => {
  const relay = relayedTransport();
  const { db, journal } = await f.openDb();
  const result = await f.sync(db, journal, relay.transport);
  relay.close();
  expect(result.outcome).toBe('succès');
  expect(await db.value('SELECT count(*) FROM decision')).toBe(f.sandbox.operations.decisionCount());
  expect(await db.value<number>('SELECT count(*) FROM ror_unit')).toBeGreaterThan(0);
});

it('brings failures back with their code and retry data: unreachable server, EG absent from the token', async () => {
  const down = relayedTransport({ fhirBaseUrl: 'https://127.0.0.1:9/fhir', tokenUrl: 'https://127.0.0.1:9/token' });
  const error = await down.transport.getToken().catch((e: unknown) => e);
  down.close();
  expect(error).toBeInstanceOf(TransportError);
  expect(error).toMatchObject({ code: 'NET_UNREACHABLE' });

  const relay = relayedTransport();
  const refused = await relay.transport
    .request({ method: 'GET', path: 'Task?_lastUpdated=gt2020-01-01', finessEg: '999999999' })
    .catch((e: unknown) => e);
  relay.close();
  expect(refused).toMatchObject({ code: 'EG_NOT_ACTIVATED' });
});
