/** Onboarding (raccordement checklist and report), reprise (forcer le statut) and cleanup channels. */
import type { Handlers } from '../dispatch';
import { localToday, type AppContext } from '../app-context';
import { environmentSdo } from './environment-sdo';
import type { OutboxPush } from './worklist-handlers';
import { computeChecklist, readConnectionFacts } from '../../onboarding/onboarding-checklist';
import { renderOnboardingReport, reportFileName } from '../../onboarding/onboarding-report-pdf';
import { forcingDelivery, previewForcing, pushForcing } from '../../onboarding/status-forcing';
import { computeCleanup, writeStaleDays } from '../../onboarding/cleanup-findings';

type OnboardingChannel =
  | 'onboarding:checklist'
  | 'onboarding:report'
  | 'reprise:preview'
  | 'reprise:push'
  | 'reprise:delivery'
  | 'cleanup:report'
  | 'cleanup:set-stale-days';

export function createOnboardingHandlers(ctx: AppContext, outbox: OutboxPush): Pick<Handlers, OnboardingChannel> {
  const today = () => localToday(ctx.now());
  const checklist = async () =>
    computeChecklist({
      db: ctx.db,
      facts: await readConnectionFacts(ctx.connection),
      environment: { id: ctx.environmentId, label: ctx.environmentLabel },
      now: ctx.now(),
    });
  const cleanup = () => computeCleanup(ctx.db, { today: today(), now: ctx.now() });
  return {
    'onboarding:checklist': () => checklist(),
    'onboarding:report': async () => {
      const list = await checklist();
      const bytes = await renderOnboardingReport(list);
      await ctx.journal.append({
        actor: 'utilisateur',
        action: 'Rapport de raccordement généré',
        outcome: 'succès',
        detail: list.allGreen ? 'toutes les vérifications réussies' : 'vérifications incomplètes',
      });
      ctx.events.emit('data:changed', { scopes: ['journal'] });
      return { fileName: reportFileName(list), base64: Buffer.from(bytes).toString('base64'), allGreen: list.allGreen };
    },
    'reprise:preview': (req) => previewForcing(ctx.db, req.csv),
    'reprise:push': async (req) => {
      const result = await pushForcing(
        { db: ctx.db, journal: ctx.journal, now: ctx.now, today, sdo: () => environmentSdo(ctx) },
        req.csv,
        { dryRun: req.dryRun, ...(req.lines ? { lines: req.lines } : {}) },
      );
      if (!req.dryRun) {
        ctx.events.emit('data:changed', {
          scopes: [
            'notifications',
            'waiting-lists',
            'onboarding',
            'reprise',
            'cleanup',
            'sync',
            'outbox',
            'journal',
            'dashboard',
          ],
        });
        // Forced statuses leave at once, like a confirmed status (nothing to send when every line was refused).
        if (result.ok > 0) outbox.requestPush(result.lines.flatMap((l) => l.outboxIds));
      }
      return result;
    },
    'reprise:delivery': (req) => forcingDelivery(ctx.db, req.csv),
    'cleanup:report': () => cleanup(),
    'cleanup:set-stale-days': async (req) => {
      await writeStaleDays(ctx.db, req.days);
      ctx.events.emit('data:changed', { scopes: ['cleanup'] });
      return cleanup();
    },
  };
}
