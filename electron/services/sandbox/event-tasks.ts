/**
 * Flux 5 events the sandbox emits as the SI-SdO / MDPH or as another ESMS (docs/functional-rules.md §4): one ESMSTask
 * each, built with the product's own Task builder so they are exactly what a client must read.
 */
import type { SdoVersion } from '@shared/domain/sdo-versions';
import type { StatusReport } from '@shared/domain/status-report';
import { buildEsmsTask } from '../fhir/resources';

export type SandboxEventCode = '46' | '49' | '54' | '37' | '47';

export function buildEventTask(
  report: StatusReport,
  profileVersion: SdoVersion,
  lastUpdated: string,
): Record<string, unknown> {
  // Task.identifier carries an ESMS outbox id (docs/decisions.md §5): an MDPH event has none.
  const { identifier: _noClientIdentifier, ...task } = buildEsmsTask(report, {
    profileVersion,
    lastUpdated,
    clientIdentifier: 'none',
  });
  return task;
}
