// The frontier scatter: every run as a dot coloured by model kind, the Pareto front (no run both cheaper and
// better) as a step line through its runs, and the study's own rows as crosses in their model kind's colour.
import * as Plot from '@observablehq/plot';

export interface ScatterPoint {
  x: number;
  y: number;
  kind: string;
  label: string;
  id?: string;
}

export function frontierOptions(runs: ScatterPoint[], front: ScatterPoint[], paper: ScatterPoint[], o: { xLabel: string; yLabel: string; logX: boolean; logY: boolean }): Plot.PlotOptions {
  const positive = (p: ScatterPoint) => (!o.logX || p.x > 0) && (!o.logY || p.y > 0);
  const all = [...runs, ...paper].filter(positive);
  const sortedFront = front.filter(positive).sort((a, b) => a.x - b.x);
  return {
    height: 460,
    marginLeft: 56,
    grid: true,
    x: { type: o.logX ? 'log' : 'linear', label: `${o.xLabel} →`, tickFormat: '~s' },
    y: { type: o.logY ? 'log' : 'linear', label: `↑ ${o.yLabel}`, nice: true },
    color: { legend: true, domain: ['linear', 'mlp', 'attention', 'transformer'] },
    symbol: { legend: false },
    marks: [
      Plot.line(sortedFront, { x: 'x', y: 'y', curve: 'step-after', stroke: '#111', strokeWidth: 1.5, strokeDasharray: '5,3' }),
      Plot.dot(runs.filter(positive), { x: 'x', y: 'y', fill: 'kind', r: 3.5, fillOpacity: 0.75, className: 'run-dot' }),
      Plot.dot(sortedFront, { x: 'x', y: 'y', stroke: '#111', strokeWidth: 1.5, r: 6, className: 'front-dot' }),
      Plot.dot(paper.filter(positive), { x: 'x', y: 'y', symbol: 'times', stroke: 'kind', r: 5, strokeWidth: 2.5, className: 'paper-dot' }),
      Plot.tip(all, Plot.pointer({ x: 'x', y: 'y', title: (d: ScatterPoint) => `${d.label}\n${d.kind}\n${o.xLabel}: ${d.x.toExponential(3)}\n${o.yLabel}: ${d.y.toFixed(4)}` })),
    ],
  };
}
