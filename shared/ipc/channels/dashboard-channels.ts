/** Dashboard: "Nouveau depuis votre dernière visite". */
import { z } from 'zod';
import type { NewSinceLastVisit } from '../../domain/dashboard';
import { channel } from '../channel';

export const dashboardChannels = {
  /** Called once when the app opens: records this visit and gives the previous one. */
  'dashboard:start-visit': channel<{ readonly previousVisitAt: string | null }>()(z.object({}).strict()),
  'dashboard:new-since': channel<NewSinceLastVisit>()(
    z.object({ since: z.string().datetime({ offset: true }).nullable() }).strict(),
  ),
} as const;
