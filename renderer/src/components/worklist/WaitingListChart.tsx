import type { WaitingListUnit } from '@shared/domain/worklist';
import { formatDays } from '../format';

const BAR = 18;
const GAP = 14;
const LABEL = 220;
const WIDTH = 720;

/** Size of each unit's waiting list and its mean waiting time, as two horizontal bars per unit (plain SVG). */
export function WaitingListChart({ units }: { units: readonly WaitingListUnit[] }) {
  const maxSize = Math.max(1, ...units.map((u) => u.entries.length));
  const maxWait = Math.max(1, ...units.map((u) => u.meanWaitingDays ?? 0));
  const span = WIDTH - LABEL - 90;
  const height = units.length * (BAR * 2 + GAP) + 30;
  return (
    <figure className="panel chart">
      <svg
        role="img"
        aria-labelledby="wl-chart-title"
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        style={{ maxWidth: WIDTH }}
        data-testid="waiting-chart"
      >
        <title id="wl-chart-title">
          {units
            .map(
              (u) =>
                `${u.unitName} : ${u.entries.length} personne(s), attente moyenne ${formatDays(u.meanWaitingDays)}`,
            )
            .join(' ; ')}
        </title>
        <g fontSize="12" fill="#1b1f24">
          <rect x={LABEL} y={4} width={12} height={12} fill="#00558c" />
          <text x={LABEL + 18} y={14}>
            Personnes en attente
          </text>
          <rect x={LABEL + 190} y={4} width={12} height={12} fill="#8a4b00" />
          <text x={LABEL + 208} y={14}>
            Attente moyenne (jours)
          </text>
        </g>
        {units.map((u, i) => {
          const y = 30 + i * (BAR * 2 + GAP);
          const sizeWidth = (u.entries.length / maxSize) * span;
          const waitWidth = ((u.meanWaitingDays ?? 0) / maxWait) * span;
          return (
            <g key={u.unitId} fontSize="12" fill="#1b1f24">
              <text x={0} y={y + BAR}>
                {u.unitName.length > 30 ? `${u.unitName.slice(0, 29)}…` : u.unitName}
              </text>
              <rect x={LABEL} y={y} width={Math.max(1, sizeWidth)} height={BAR - 2} fill="#00558c" />
              <text x={LABEL + sizeWidth + 6} y={y + 12}>
                {u.entries.length}
              </text>
              <rect x={LABEL} y={y + BAR} width={Math.max(1, waitWidth)} height={BAR - 2} fill="#8a4b00" />
              <text x={LABEL + waitWidth + 6} y={y + BAR + 12}>
                {u.meanWaitingDays ?? '—'}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted small">Taille de la liste d'attente et attente moyenne par unité.</figcaption>
    </figure>
  );
}
