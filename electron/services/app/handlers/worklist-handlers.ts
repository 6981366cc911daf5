import type { RorUnit } from '@shared/domain/worklist';
import { AppError } from '@shared/errors/app-error';
import type { Handlers } from '../dispatch';
import { localToday, type AppContext } from '../app-context';
import { performAction, previewAction } from '../../worklist/notification-actions';
import { readNotificationDetail } from '../../worklist/notification-detail';
import {
  createUnit,
  listGeographicEntities,
  listGeographicEntityNames,
  listUnits,
  setLocalActivation,
  unitCodeLists,
  updateUnit,
} from '../../worklist/units-and-entities';
import { listWaitingLists, waitingListsCsv } from '../../worklist/waiting-lists';
import { listWorklist, readFacets } from '../../worklist/worklist-queries';
import { readEvaluation, recordConsent } from '../../worklist/consent-and-evaluation';
import { carryOverRenewal } from '../../worklist/carry-over-renewal';
import { notificationStore } from '../../db/notification-store';
import { environmentSdo } from './environment-sdo';
import { journaled } from './user-action-journal';

type WorklistChannel =
  | 'notifications:list'
  | 'notifications:facets'
  | 'notifications:detail'
  | 'notifications:preview-action'
  | 'notifications:perform-action'
  | 'notifications:acknowledge'
  | 'notifications:record-consent'
  | 'notifications:evaluation'
  | 'notifications:carry-over-renewal'
  | 'waiting-lists:list'
  | 'waiting-lists:export-csv'
  | 'units:list'
  | 'units:update'
  | 'units:create'
  | 'geographic-entities:list'
  | 'geographic-entities:names'
  | 'geographic-entities:set-local-activation';

/** Scopes whose queries change when the referent records a status. */
const AFTER_ACTION = [
  'onboarding',
  'notifications',
  'waiting-lists',
  'geographic-entities',
  'sync',
  'outbox',
  'journal',
  'dashboard',
];

/** Queued statuses and consents leave at once when the connection is up (SyncService.requestPush). */
export interface OutboxPush {
  /** The queued items' fate is reported (outbox:pushed), also when a run in progress sends them. */
  requestPush(outboxIds: readonly number[]): void;
}

export function createWorklistHandlers(ctx: AppContext, outbox: OutboxPush): Pick<Handlers, WorklistChannel> {
  const today = () => localToday(ctx.now());
  /** A unit the referent entered or changed: journaled (refusals too), and the screens that show units refreshed. */
  const unitAction = (action: string, idRor: string, alsoChanged: string[], run: () => Promise<RorUnit>) =>
    journaled(ctx, { action, recordType: 'unité', recordId: idRor }, async () => {
      const unit = await run();
      ctx.events.emit('data:changed', { scopes: ['units', ...alsoChanged] });
      return unit;
    });
  const idRorOf = async (unitId: number): Promise<string> =>
    (await ctx.db.value<string>('SELECT id_ror FROM ror_unit WHERE id = ?', [unitId])) ?? String(unitId);
  return {
    'notifications:list': ({ offset, limit, ...filter }) => listWorklist(ctx.db, filter, today(), { offset, limit }),
    'notifications:facets': () => readFacets(ctx.db, today()),
    'notifications:detail': (req) => readNotificationDetail(ctx.db, req.id, today()),
    'notifications:preview-action': (req) => previewAction(ctx.db, req),
    'notifications:perform-action': async (req) => {
      const result = await performAction(
        { db: ctx.db, journal: ctx.journal, now: ctx.now, today, sdo: () => environmentSdo(ctx) },
        req,
      );
      ctx.events.emit('data:changed', { scopes: AFTER_ACTION });
      outbox.requestPush(result.outboxIds);
      return result;
    },
    'notifications:acknowledge': async (req) => {
      const changed = await notificationStore(ctx.db, 'utilisateur').clearATraiter(req.id, ctx.now().toISOString());
      if (changed === 0) throw new AppError('NOT_FOUND', 'Cette notification est introuvable.');
      await ctx.journal.append({
        actor: 'utilisateur',
        action: 'Notification marquée comme traitée',
        recordType: 'notification',
        recordId: req.id,
        outcome: 'succès',
      });
      ctx.events.emit('data:changed', { scopes: ['notifications', 'journal', 'dashboard'] });
      return { id: req.id };
    },
    'notifications:record-consent': async (req) => {
      const result = await recordConsent(
        { db: ctx.db, journal: ctx.journal, now: ctx.now, today, sdo: () => environmentSdo(ctx) },
        req,
      );
      ctx.events.emit('data:changed', { scopes: AFTER_ACTION });
      outbox.requestPush([result.outboxId]);
      return result;
    },
    'notifications:evaluation': (req) => readEvaluation(ctx.db, req.notificationId),
    'notifications:carry-over-renewal': async (req) => {
      const result = await carryOverRenewal(
        { db: ctx.db, journal: ctx.journal, now: ctx.now, today, sdo: () => environmentSdo(ctx) },
        req.notificationId,
        req.seenVersion,
      );
      await ctx.journal.append({
        actor: 'utilisateur',
        action: 'Renouvellement : unités et positions reprises',
        recordType: 'notification',
        recordId: req.notificationId,
        outcome: 'succès',
        detail: `${result.carriedLines} ligne(s) d'unité reprise(s)`,
      });
      ctx.events.emit('data:changed', { scopes: AFTER_ACTION });
      outbox.requestPush(result.outboxIds);
      return { carried: result.carriedLines, outboxIds: result.outboxIds };
    },
    'waiting-lists:list': (req) => listWaitingLists(ctx.db, req, today()),
    'waiting-lists:export-csv': async (req) => {
      const { content, rows } = waitingListsCsv(await listWaitingLists(ctx.db, req, today()));
      await ctx.journal.append({
        actor: 'utilisateur',
        action: "Export CSV des listes d'attente",
        outcome: 'succès',
        detail: `${rows} ligne(s)`,
      });
      ctx.events.emit('data:changed', { scopes: ['journal'] });
      return { fileName: `listes-attente-${today()}.csv`, content, rows };
    },
    'units:list': (req) => listUnits(ctx.db, req.finessEg, unitCodeLists(environmentSdo(ctx))),
    'units:update': async (req) =>
      unitAction('Unité ROR modifiée', await idRorOf(req.id), ['notifications', 'waiting-lists'], () =>
        updateUnit(ctx.db, req, ctx.now().toISOString(), unitCodeLists(environmentSdo(ctx))),
      ),
    'units:create': (req) =>
      unitAction('Unité ROR ajoutée', req.idRor, ['onboarding', 'geographic-entities'], () =>
        createUnit(ctx.db, req, ctx.now().toISOString(), unitCodeLists(environmentSdo(ctx))),
      ),
    'geographic-entities:list': () => listGeographicEntities(ctx.db, today()),
    'geographic-entities:names': () => listGeographicEntityNames(ctx.db),
    'geographic-entities:set-local-activation': async (req) => {
      const eg = await setLocalActivation(ctx.db, req.finessEg, req.active, today());
      await ctx.journal.append({
        actor: 'utilisateur',
        action: req.active ? 'Établissement activé localement' : 'Établissement désactivé localement',
        recordType: 'établissement',
        recordId: req.finessEg,
        outcome: 'succès',
      });
      ctx.events.emit('data:changed', {
        scopes: ['geographic-entities', 'notifications', 'waiting-lists', 'units', 'journal'],
      });
      return eg;
    },
  };
}
