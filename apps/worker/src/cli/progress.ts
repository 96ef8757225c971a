// A one-line progress bar on stderr (redrawn in place on a terminal, a line every few seconds otherwise).
import type { EpochMetrics, Progress } from '../ml/train.ts';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastPlain = 0;
  return {
    progress(p: Progress) {
      const width = 24;
      const done = Math.round((p.step / p.totalSteps) * width);
      const line =
        `epoch ${p.epoch} [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${((100 * p.step) / p.totalSteps).toFixed(0)}% ` +
        `loss ${p.loss.toFixed(4)}  ${formatRate(p.tokensPerSec)} tok/s  ETA ${formatSeconds(p.etaSeconds)}`;
      if (tty) stream.write(`\r${line}\x1b[K`);
      else if (Date.now() - lastPlain > 5000) {
        lastPlain = Date.now();
        stream.write(`${line}\n`);
      }
    },
    epoch(m: EpochMetrics) {
      const extra = m.valNllAllTokens !== undefined ? ` (all positions ${m.valNllAllTokens.toFixed(4)})` : '';
      stream.write(`${tty ? '\r\x1b[K' : ''}epoch ${m.epoch}: train NLL ${m.trainNll.toFixed(4)}, validation NLL ${m.valNll.toFixed(4)}${extra}, ${formatSeconds(m.seconds)}\n`);
    },
  };
}

function formatRate(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0);
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  // Round once, then split: rounding only the seconds part turned 119.6 s into "1m60s".
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
