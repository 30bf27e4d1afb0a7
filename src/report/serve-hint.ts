// The report's "Export and serve" section: the commands that take the run shown to a ranking service, with a
// request body shaped by the run's own features (the user/group feature as context, the item as candidates).
import { html, section, type Html } from './html.js';
import type { RunData } from './run-data.js';

interface FeatureConfig {
  column?: string;
  group?: boolean;
  role?: string;
  scope?: string;
}

export function serveSection(run: RunData): Html {
  const features = (run.config.features ?? {}) as Record<string, FeatureConfig>;
  const column = (name: string) => features[name]!.column ?? name;
  const names = Object.keys(features);
  const contextName = names.find((n) => features[n]!.scope === 'context' || features[n]!.group);
  const itemName = names.find((n) => features[n]!.role === 'item' || features[n]!.scope === 'candidate') ?? names[0];
  const context = contextName ? { [column(contextName)]: 'u1' } : {};
  const candidates = itemName ? ['i1', 'i2', 'i3'].map((v) => ({ [column(itemName)]: v })) : [{}];
  const body = JSON.stringify({ context, candidates, topK: 2 });
  const out = `models/${run.name}`;
  const score =
    run.fusion !== undefined
      ? html`the fused score with this run's output weights (fusion.json; a what-if export takes
          <code>--fusion click=0.2,order=1</code>)`
      : html`the first task's probability (${run.tasks[0] ?? '?'}); run <code>mtrank fuse --run ${run.dir}</code> first
          to rank by the fused score`;
  return section(
    'Export and serve',
    html`<pre class="config">
mtrank export ${run.dir} --out ${out}
mtrank serve ${out} --port 8080
curl -s localhost:8080/v1/rank -H 'content-type: application/json' \\
  -d '${body}'</pre>
      <p>
        Candidates come back sorted by ${score}, each with its per-task probabilities. The same from TypeScript:
        <code>(await loadRanker('${out}')).rank({ context, candidates })</code>. Details: docs/serving.md.
      </p>`,
  );
}
