// A sweep's table as a chart: mean test NLL against one axis, error bars of ± one standard deviation over the
// seeds, one line per combination of the other axes.
import * as Plot from '@observablehq/plot';
import type { SweepTableRow } from '../api/types.ts';
import { value } from '../format.ts';

export function sweepChartOptions(rows: SweepTableRow[], axis: string, others: string[], logX: boolean): Plot.PlotOptions {
  const data = rows
    .filter((r) => r.testNllMean !== null)
    .map((r) => ({
      x: r.axes[axis] as number | string,
      mean: r.testNllMean!,
      lo: r.testNllMean! - (r.testNllStd ?? 0),
      hi: r.testNllMean! + (r.testNllStd ?? 0),
      n: r.n,
      group: others.map((o) => `${o}=${value(r.axes[o])}`).join(', ') || 'all',
    }));
  const numeric = data.every((d) => typeof d.x === 'number');
  return {
    height: 340,
    marginLeft: 56,
    grid: true,
    x: numeric ? { type: logX ? 'log' : 'linear', label: `${axis} →` } : { type: 'point', label: axis, padding: 0.5 },
    y: { label: '↑ test NLL (mean ± std over seeds)', nice: true },
    color: { legend: others.length > 0 },
    marks: [
      Plot.ruleX(data, { x: 'x', y1: 'lo', y2: 'hi', stroke: 'group', strokeWidth: 1.5 }),
      Plot.line(data, { x: 'x', y: 'mean', stroke: 'group', sort: numeric ? 'x' : undefined }),
      Plot.dot(data, { x: 'x', y: 'mean', fill: 'group', r: 4 }),
      Plot.tip(data, Plot.pointer({ x: 'x', y: 'mean', title: (d: (typeof data)[number]) => `${axis}=${value(d.x)}${d.group !== 'all' ? `\n${d.group}` : ''}\ntest NLL ${d.mean.toFixed(4)} ± ${(d.hi - d.mean).toFixed(4)} (n=${d.n})` })),
    ],
  };
}
