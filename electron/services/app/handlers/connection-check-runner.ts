/**
 * "Tester la connexion" for the session's environment: the transport's checkConnection (certificate → TLS → token →
 * one harmless search per EG of the token) fed with the environment's certificate, secrets and trust anchors.
 * Shared by the connection:check channel and `npx referent-vt check-connection`.
 */
import type { ConnectionCheckReport } from '@shared/domain/environments';
import { checkConnection } from '../../transport/connection-check';
import { createNodeTransport } from '../../transport/node-transport';
import type { NodeTransportConfig } from '../../transport/transport';
import { createSdoTransport, type HttpSenderFactory } from '../../transport/sdo-transport';
import {
  chosenCertificateId,
  endpointConfigFor,
  networkSettingsFor,
  transportConfigFor,
  type ConnectionServices,
} from './connection-services';

/** A check must answer quickly: a hung server is itself the finding. */
const CHECK_TIMEOUT_MS = 15_000;

export async function runConnectionCheck(
  services: ConnectionServices,
  options: { password?: string; now?: () => Date; chromiumHttpSender?: HttpSenderFactory } = {},
): Promise<ConnectionCheckReport> {
  const chromium = options.chromiumHttpSender;
  const now = options.now ?? (() => new Date());
  let config: NodeTransportConfig | undefined;
  try {
    return await checkConnection({
      now: () => now().getTime(),
      environmentId: services.environmentId,
      loadCertificate: () => services.registry.get(chosenCertificateId(services)),
      createTransport: async () => {
        // A card under Electron: Chromium's net, as the sync does (bootstrap.ts).
        if (chromium && services.registry.get(chosenCertificateId(services)).source === 'pkcs11') {
          const endpoints = await endpointConfigFor(services);
          return createSdoTransport({ ...endpoints, timeoutMs: CHECK_TIMEOUT_MS }, () =>
            chromium(networkSettingsFor(services)),
          );
        }
        config = await transportConfigFor(
          services,
          options.password === undefined ? {} : { password: options.password },
        );
        return createNodeTransport({ ...config, timeoutMs: CHECK_TIMEOUT_MS });
      },
    });
  } finally {
    if (config?.clientCertificate.kind === 'p12') config.clientCertificate.p12.fill(0);
  }
}
