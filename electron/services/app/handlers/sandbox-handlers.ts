/**
 * "Bac à sable" (local sandbox environment only): the trainer plays the MDPH on the sandbox the app embeds, through
 * its admin API — generate decisions an EG's units accept, import a CDA (its bytes), flux 5 events, close a right,
 * faults. Each action is journaled (ids only: the data are fake, but the habit is kept).
 */
import {
  SANDBOX_BROKEN_ANSWERS,
  SANDBOX_EVENTS,
  SANDBOX_MAX_CDA_BYTES,
  describeFaults,
  type SandboxBrokenAnswer,
  type SandboxDecision,
  type SandboxOverview,
} from '@shared/domain/sandbox';
import { AppError } from '@shared/errors/app-error';
import { orientationLabel, TYPE_DECISION } from '@shared/terminology/code-lists';
import type { FaultSettings, RawAnswerSummary, SandboxDecisionView } from '../embedded-sandbox';
import type { AppContext } from '../app-context';
import type { Handlers } from '../dispatch';
import type { EmbeddedSandbox } from '../embedded-sandbox';
import { journaled } from './user-action-journal';

type SandboxChannel =
  | 'sandbox:overview'
  | 'sandbox:generate'
  | 'sandbox:import-cda'
  | 'sandbox:event'
  | 'sandbox:close-right'
  | 'sandbox:set-faults'
  | 'sandbox:expire-tokens'
  | 'sandbox:break-answer'
  | 'sandbox:clear-broken-answers';

function decisionView(d: SandboxDecisionView): SandboxDecision {
  return {
    idNatDecision: d.idNatDecision,
    idDecision: d.idDecision,
    targetedEgs: d.targetedEgs,
    person: d.person,
    categoryLabel: d.category ? orientationLabel(d.category) : null,
    typeLabel: d.typeDeDecision
      ? (TYPE_DECISION.find((c) => c.code === d.typeDeDecision)?.display ?? d.typeDeDecision)
      : null,
    dateDeDecision: d.dateDeDecision,
  };
}

/** A broken answer in force, with the decision it breaks when it is among the recent ones. */
function brokenAnswerView(answer: RawAnswerSummary, recent: readonly SandboxDecisionView[]): SandboxBrokenAnswer {
  const decision = recent.find((d) => d.documentReferenceId === answer.id);
  return {
    label: answer.label ?? 'Réponse brute',
    decision: decision ? `${decision.person || 'Personne fictive'} — ${decision.idDecision}` : null,
    served: answer.served,
    once: answer.times === 1,
  };
}

/** The CDA's bytes as text: UTF-8 only, bounded (a CDA is XML). */
function cdaText(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new AppError('SANDBOX_INVALID_REQUEST', 'Le fichier est vide.');
  if (bytes.length > SANDBOX_MAX_CDA_BYTES)
    throw new AppError('SANDBOX_INVALID_REQUEST', 'Le fichier est trop volumineux pour un CDA de décision.');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('SANDBOX_INVALID_REQUEST', 'Le fichier n’est pas un document XML en UTF-8.');
  }
}

export function createSandboxHandlers(
  ctx: AppContext,
  sandbox: () => EmbeddedSandbox | undefined,
): Pick<Handlers, SandboxChannel> {
  const changed = () => ctx.events.emit('data:changed', { scopes: ['sandbox'] });
  const admin = () => {
    const running = sandbox();
    if (!running)
      throw new AppError(
        'SANDBOX_NOT_RUNNING',
        ctx.environmentId === 'sandbox-local'
          ? 'Le bac à sable local n’a pas démarré : voyez le journal, puis redémarrez Référent VT.'
          : 'Le bac à sable n’existe que dans l’environnement « Bac à sable local ».',
      );
    return running.admin;
  };
  const action = <T>(what: string, recordId: string | undefined, run: () => Promise<T>, detail?: (v: T) => string) =>
    journaled(
      ctx,
      { action: `Bac à sable : ${what}`, recordType: 'bac à sable', ...(recordId ? { recordId } : {}) },
      async () => {
        const value = await run();
        changed();
        return value;
      },
      detail,
    );

  return {
    'sandbox:overview': async (): Promise<SandboxOverview> => {
      const running = sandbox();
      if (!running) {
        try {
          admin();
        } catch (e) {
          return {
            available: false,
            message: (e as Error).message,
            establishments: [],
            recentDecisions: [],
            faults: {},
            brokenAnswers: [],
          };
        }
      }
      const api = admin();
      const [status, establishments, recent, faults, rawAnswers] = await Promise.all([
        api.status(),
        api.establishments(),
        api.recentDecisions(),
        api.faults(),
        api.rawAnswers(),
      ]);
      return {
        available: true,
        adminUrl: running?.adminUrl ?? '',
        adminToken: running?.adminToken ?? '',
        stateFile: running?.stateFile ?? '',
        decisionCount: typeof status['decisions'] === 'number' ? status['decisions'] : 0,
        establishments: establishments.map((eg) => ({
          ...eg,
          categories: eg.categories.map((code) => ({ code, label: orientationLabel(code) })),
        })),
        recentDecisions: recent.map(decisionView),
        faults: { ...faults },
        brokenAnswers: rawAnswers.map((answer) => brokenAnswerView(answer, recent)),
      };
    },

    'sandbox:generate': (req) =>
      action(
        'décisions générées',
        req.finessEg,
        async () => {
          const api = admin();
          const result = await api.generate(req.count, { finessEgs: [req.finessEg] });
          const name = (await api.establishments()).find((eg) => eg.finessEg === req.finessEg)?.name ?? req.finessEg;
          return {
            message: `${result.created} décision(s) ajoutée(s) pour ${name}. Synchronisez pour les recevoir.`,
            idNatDecisions: result.idNatDecisions,
          };
        },
        (r) => `${r.idNatDecisions.length} décision(s)`,
      ),

    'sandbox:import-cda': (req) =>
      action('CDA importé', req.finessEgs.join(','), async () => {
        const imported = await admin().importDecision({ cdaXml: cdaText(req.cdaBase64), finessEgs: req.finessEgs });
        return {
          message: `Décision ${imported.idDecision} importée (idNat_Decision ${imported.idNatDecision}). Synchronisez pour la recevoir.`,
          idNatDecisions: [imported.idNatDecision],
        };
      }),

    'sandbox:event': (req) => {
      const event = SANDBOX_EVENTS.find((e) => e.id === req.event);
      const label = event ? `${event.label} (${event.code})` : req.event;
      return action(`${label}`, req.idNatDecision, async () => {
        const options = {
          ...(req.finessEg ? { finessEg: req.finessEg } : {}),
          ...(req.description ? { description: req.description } : {}),
        };
        const api = admin();
        const tasks =
          req.event === 'cancel-notification'
            ? await api.cancelNotification(req.idNatDecision, options)
            : req.event === 'reactivate-notification'
              ? await api.reactivateNotification(req.idNatDecision, options)
              : req.event === 'ratify-admission-impossible'
                ? await api.ratifyAdmissionImpossible(req.idNatDecision, options)
                : req.event === 'cancel-decision'
                  ? await api.cancelDecision(req.idNatDecision, options)
                  : await api.entryElsewhere(req.idNatDecision, options);
        return {
          message: `« ${label} » envoyé par ViaTrajectoire (${tasks.length} statut(s) de flux 5). Synchronisez pour le recevoir.`,
          idNatDecisions: [req.idNatDecision],
        };
      });
    },

    'sandbox:close-right': (req) =>
      action('droit clôturé', req.idNatDecision, async () => {
        const api = admin();
        const closure = await api.closeRight(req.idNatDecision);
        const view = (await api.recentDecisions()).find((d) => d.idNatDecision === closure.idNatDecision);
        return {
          message: `Décision de clôture ${closure.idDecision} envoyée par la MDPH. Synchronisez pour la recevoir.`,
          idNatDecisions: [closure.idNatDecision],
          closure: view ? decisionView(view) : null,
        };
      }),

    'sandbox:set-faults': (req) =>
      action(
        'pannes simulées modifiées',
        undefined,
        // The sandbox checks the names and values (a new fault of the sandbox needs no change here).
        async (): Promise<Record<string, number | string | boolean>> => ({
          ...(await admin().setFaults(req.faults as Partial<FaultSettings>)),
        }),
        describeFaults,
      ),

    'sandbox:break-answer': (req) => {
      const label = SANDBOX_BROKEN_ANSWERS.find((b) => b.id === req.kind)?.label ?? req.kind;
      return action(`réponse cassée (${label})`, req.idNatDecision, async () => {
        await admin().breakDecisionRead(req.idNatDecision, req.kind, req.once);
        return {
          message: `La lecture de cette décision répondra : ${label}${req.once ? ' (une fois)' : ''}. Synchronisez pour voir ce qu’en fait Référent VT.`,
          idNatDecisions: [req.idNatDecision],
        };
      });
    },

    'sandbox:clear-broken-answers': () =>
      action('réponses cassées retirées', undefined, async () => {
        await admin().clearRawAnswers();
        return { message: 'Les décisions sont de nouveau lues normalement.', idNatDecisions: [] };
      }),

    'sandbox:expire-tokens': () =>
      action('jetons expirés', undefined, async () => {
        await admin().expireTokensNow();
        return { message: 'Tous les jetons d’accès délivrés jusqu’ici sont expirés.', idNatDecisions: [] };
      }),
  };
}
