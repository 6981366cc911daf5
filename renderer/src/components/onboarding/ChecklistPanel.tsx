import type { OnboardingChecklist } from '@shared/domain/onboarding';

/** The raccordement steps, each with its evidence and, when not green, the link that fixes it. */
export function ChecklistPanel({ checklist }: { checklist: OnboardingChecklist }) {
  const done = checklist.checks.filter((c) => c.status === 'ok').length;
  return (
    <section aria-labelledby="checklist-title">
      <h2 id="checklist-title">
        Vérifications : {done} / {checklist.checks.length} réussies
      </h2>
      <p data-testid="onboarding-summary" role="status">
        {checklist.allGreen
          ? 'Raccordement complet : toutes les vérifications sont réussies.'
          : 'Raccordement incomplet : suivez les actions proposées.'}
      </p>
      <ol className="onboarding-checklist" data-testid="onboarding-checklist">
        {checklist.checks.map((c) => (
          <li key={c.id} data-testid={`check-${c.id}`} data-status={c.status}>
            <strong>
              <span aria-hidden="true">{c.status === 'ok' ? '✔ ' : '✖ '}</span>
              {c.label} — {c.status === 'ok' ? 'réussi' : 'à faire'}
            </strong>
            <ul>
              {c.evidence.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
            {c.fix && (
              <a href={`#/${c.fix.section}`} className="button-link">
                {c.fix.label}
              </a>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
