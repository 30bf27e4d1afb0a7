import cliProgress from 'cli-progress';

/** What the trainer reports while it runs; the CLI decides how to show it. */
export interface TrainProgress {
  start(totalSteps: number, startStep: number): void;
  step(step: number, loss: number): void;
  eval(step: number, aucs: Record<string, number>): void;
  message(text: string): void;
  stop(): void;
}

export const silentProgress: TrainProgress = { start() {}, step() {}, eval() {}, message() {}, stop() {} };

/** A live bar on stderr: step, loss and the last per-task valid AUC. */
export function barProgress(label = 'train'): TrainProgress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | step {value}/{total} | train loss {loss} | {aucs} | eta {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let aucs = 'valid AUC –',
    last = '–';
  return {
    start(total, startStep) {
      bar.start(total, startStep, { loss: last, aucs });
    },
    // NaN = no new loss figure this step (losses are averaged over a few steps): keep showing the last one.
    step(step, loss) {
      if (Number.isFinite(loss)) last = loss.toFixed(4);
      bar.update(step, { loss: last, aucs });
    },
    eval(step, a) {
      aucs = formatAucs(a);
      bar.update(step, { aucs });
    },
    message(text) {
      bar.stop();
      process.stderr.write(text + '\n');
    },
    stop() {
      bar.stop();
    },
  };
}

/** `--quiet`: one plain log line per evaluation, nothing else. */
export function logProgress(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): TrainProgress {
  let total = 0,
    loss = NaN;
  return {
    start(t) {
      total = t;
    },
    step(_s, l) {
      if (Number.isFinite(l)) loss = l;
    },
    eval(step, a) {
      write(`step ${step}/${total} train loss ${Number.isFinite(loss) ? loss.toFixed(4) : '–'} | ${formatAucs(a)}`);
    },
    message(text) {
      write(text);
    },
    stop() {},
  };
}

/** "valid AUC click 0.7012 order –": the figures say what they are (the last evaluation on the validation split). */
function formatAucs(a: Record<string, number>): string {
  const parts = Object.entries(a).map(([t, v]) => `${t} ${Number.isFinite(v) ? v.toFixed(4) : '–'}`);
  return `valid AUC ${parts.join(' ')}`;
}
