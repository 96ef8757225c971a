// Observable Plot in Preact: the figure is rebuilt when its options change (SVG, so tests and screen readers can
// read it; Plot's `tip` marks give hover details).
import { useEffect, useRef } from 'preact/hooks';
import * as Plot from '@observablehq/plot';

export function PlotFigure({ options, label }: { options: Plot.PlotOptions; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const figure = Plot.plot({ width: Math.max(480, el.clientWidth || 900), ...options });
    figure.setAttribute('aria-label', label);
    el.replaceChildren(figure);
    return () => figure.remove();
  }, [options, label]);
  return <div class="plot" ref={ref} role="img" aria-label={label} />;
}
