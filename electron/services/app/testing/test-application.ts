/**
 * The application as the tests start it: a fresh encryption key, no schedule (each test runs its syncs), the browser
 * shell unless told otherwise; and the contract's dispatch as a function that throws the French error it answers.
 */
import crypto from 'node:crypto';
import { startApplication, type RunningApplication, type StartApplicationOptions } from '../bootstrap';
import { dispatch } from '../dispatch';

export function startTestApplication(
  dataRoot: string,
  options: Partial<StartApplicationOptions> = {},
): Promise<RunningApplication> {
  const key = crypto.randomBytes(32);
  return startApplication({
    dataRoot,
    shell: 'navigateur',
    version: '0.0.0-test',
    databaseKey: () => key,
    syncIntervalMs: 0,
    ...options,
  });
}

export async function invokeChannel<T>(app: RunningApplication, channel: string, input: unknown): Promise<T> {
  const result = await dispatch(app.handlers, channel, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
  return result.value as T;
}
