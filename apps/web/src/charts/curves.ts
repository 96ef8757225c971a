// Learning curves as Plot options: one line per series (train / validation, or one per run when comparing),
// an x-axis of steps, tokens, FLOPs or seconds, optional log scales, and a hover tip per point.
import * as Plot from '@observablehq/plot';
import type { XAxis } from '../api/types.ts';

export interface CurveSeries {
  label: string;
  points: { x: number; y: number }[];
  /** Drawn dashed (e.g. the live training loss between epochs). */
  dashed?: boolean;
}

export const X_LABELS: Record<XAxis, string> = {
  step: 'step',
  epoch: 'epoch',
  tokens: 'training tokens',
  flops: 'training FLOPs',
  seconds: 'seconds',
};

export function curveOptions(series: CurveSeries[], { x, logX, logY }: { x: XAxis; logX: boolean; logY: boolean }): Plot.PlotOptions {
  const rows = series.flatMap((s) => s.points.filter((p) => (!logX || p.x > 0) && (!logY || p.y > 0)).map((p) => ({ ...p, series: s.label })));
  const lines = series.map((s) =>
    Plot.line(rows.filter((r) => r.series === s.label), { x: 'x', y: 'y', stroke: 'series', strokeDasharray: s.dashed ? '4,3' : undefined, strokeWidth: 1.8 }),
  );
  return {
    height: 360,
    marginLeft: 56,
    grid: true,
    x: { type: logX ? 'log' : 'linear', label: `${X_LABELS[x]} →`, tickFormat: x === 'tokens' || x === 'flops' ? '~s' : undefined, ticks: 6 },
    y: { type: logY ? 'log' : 'linear', label: '↑ NLL (nats/token)', nice: true },
    color: { legend: true, domain: series.map((s) => s.label) },
    marks: [
      ...lines,
      Plot.dot(rows, { x: 'x', y: 'y', fill: 'series', r: 2.5 }),
      Plot.tip(rows, Plot.pointer({ x: 'x', y: 'y', title: (d: { series: string; x: number; y: number }) => `${d.series}\n${X_LABELS[x]}: ${fmtX(d.x)}\nNLL: ${d.y.toFixed(4)}` })),
    ],
  };
}

const fmtX = (v: number) => (Math.abs(v) >= 1e4 ? v.toExponential(3) : String(Number(v.toPrecision(6))));
