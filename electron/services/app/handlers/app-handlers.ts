import type { Handlers } from '../dispatch';
import { SCHEMA_VERSION } from '../../db/migrations';
import { readDashboardCounts, readNewSince, startVisit } from '../../dashboard/dashboard-queries';
import { localToday, type AppContext } from '../app-context';
import { describeJournalSubjects } from '../../journal/journal-subjects';
import { DEFAULT_ENVIRONMENTS } from '../../environments/environment-store';
import { ENVIRONMENT_IDS, type EnvironmentId } from '@shared/domain/environments';

const isEnvironmentId = (id: string): id is EnvironmentId => (ENVIRONMENT_IDS as readonly string[]).includes(id);

type AppChannel =
  | 'app:info'
  | 'dashboard:counts'
  | 'dashboard:start-visit'
  | 'dashboard:new-since'
  | 'journal:list'
  | 'journal:record-user-action';

export function createAppHandlers(ctx: AppContext): Pick<Handlers, AppChannel> {
  return {
    'app:info': () => ({
      version: ctx.version,
      environmentId: ctx.environmentId,
      environmentLabel: ctx.environmentLabel,
      schemaVersion: SCHEMA_VERSION,
      shell: ctx.shell,
      ...(ctx.organisationUnavailable ? { organisationUnavailable: ctx.organisationUnavailable } : {}),
    }),
    'dashboard:counts': () => readDashboardCounts(ctx.db, localToday(ctx.now())),
    'dashboard:start-visit': () => startVisit(ctx.db, ctx.now().toISOString()),
    'dashboard:new-since': (req) => readNewSince(ctx.db, req.since),
    'journal:list': async (req) =>
      describeJournalSubjects(ctx.db, await ctx.journal.list(req), (id) =>
        isEnvironmentId(id) ? DEFAULT_ENVIRONMENTS[id].label : undefined,
      ),
    'journal:record-user-action': async (req) => {
      const id = await ctx.journal.append({ actor: 'utilisateur', ...req });
      ctx.events.emit('data:changed', { scopes: ['journal'] });
      return { id };
    },
  };
}
