/** Raccordement checklist and report, reprise ("forcer le statut"), cleanup assistant (issue 7). */
import { z } from 'zod';
import type {
  CleanupReport,
  OnboardingChecklist,
  OnboardingReportFile,
  RepriseDeliveryLine,
  ReprisePreview,
  ReprisePushResult,
} from '../../domain/onboarding';
import { channel } from '../channel';

const csv = z.object({ csv: z.string().max(900_000) }).strict();

export const onboardingChannels = {
  'onboarding:checklist': channel<OnboardingChecklist>()(z.object({}).strict()),
  'onboarding:report': channel<OnboardingReportFile>()(z.object({}).strict()),
  'reprise:preview': channel<ReprisePreview>()(csv),
  'reprise:push': channel<ReprisePushResult>()(
    z
      .object({
        csv: z.string().max(900_000),
        dryRun: z.boolean(),
        lines: z.array(z.number().int().positive()).max(100_000).optional(),
      })
      .strict(),
  ),
  'reprise:delivery': channel<RepriseDeliveryLine[]>()(csv),
  'cleanup:report': channel<CleanupReport>()(z.object({}).strict()),
  'cleanup:set-stale-days': channel<CleanupReport>()(z.object({ days: z.number().int().min(1).max(3650) }).strict()),
} as const;
