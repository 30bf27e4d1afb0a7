import type { Command } from 'commander';
import type { Manifest } from '../../export/manifest.js';

/** The fused score in export's summary line; weights to 6 significant digits (0.125, not 0.12500000000000003). */
export function fusedScoreText(f: Manifest['fusion']): string {
  if (!f) return 'no fused score (the run has no fusion.json; pass --fusion to set weights)';
  const weights = Object.entries(f.weights).map(([t, w]) => `${t}=${+w.toPrecision(6)}`);
  return `score = ${f.form} fusion (${weights.join(', ')})`;
}

/** `mtrank export RUN --out DIR`: the serving artifact (model.onnx, model.json and the run's own files). */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write a trained run as a serving artifact folder: model.onnx, model.json and the run files')
    .argument('<run-dir>', 'run directory written by `mtrank train`')
    .requiredOption('--out <dir>', 'artifact folder to write (must be empty or absent unless --overwrite)')
    .option(
      '--fusion <weights>',
      "override the fused score's weights, e.g. click=0.2,order=1 (other tasks keep theirs)",
    )
    .option('--fusion-form <form>', 'override the fusion form: linear (Σ w·p) or product (Π p^w)')
    .option('--overwrite', 'replace a non-empty --out folder')
    .option(
      '--interactions <file>',
      'interaction log: its items in neither the vocabulary nor the vector file get an inductive GraphSAGE vector in the export (runs whose item feature has pretrained.graphsage)',
    )
    .option('--verify', 'check model.onnx against mtrank on 5,000 sampled rows with onnxruntime-node (if installed)')
    .action(
      async (
        dir: string,
        o: {
          out: string;
          fusion?: string;
          fusionForm?: string;
          overwrite?: boolean;
          verify?: boolean;
          interactions?: string;
        },
      ) => {
        const [{ exportRun }, { exportRunWithInductive }, { INDUCTIVE_NOTE, inductiveItemFeature }] = await Promise.all(
          [
            import('../../export/export.js'),
            import('../../export/inductive-export.js'),
            import('../../training/inductive-items.js'),
          ],
        );
        const { manifest } = o.interactions
          ? await exportRunWithInductive(dir, o.out, o.interactions, o)
          : exportRun(dir, o.out, o);
        if (!manifest.source.finished)
          process.stderr.write(`warning: ${dir} is an unfinished run; the export holds its best checkpoint so far\n`);
        const ind = manifest.inductive;
        if (ind)
          process.stderr.write(
            `${ind.feature}: ${ind.items} new items of ${ind.log} appended with inductive GraphSAGE vectors\n`,
          );
        else if (inductiveItemFeature(dir)) process.stderr.write(`${INDUCTIVE_NOTE}\n`);
        const fused = fusedScoreText(manifest.fusion);
        const value = manifest.onnx.inputs.find((i) => i.kind === 'value');
        const valueNote = value ? ` × input '${value.name}' (each row's ${value.column})` : '';
        process.stderr.write(
          `exported ${manifest.modelType} (${manifest.tasks.map((t) => t.name).join(', ')}) to ${o.out}: ` +
            `${manifest.onnx.inputs.length} ONNX inputs, ${fused}${valueNote}; hash ${manifest.hash.slice(0, 12)}\n`,
        );
        if (o.verify) {
          const { verifyExport, verifySummary } = await import('../../export/verify.js');
          process.stderr.write(`${verifySummary(await verifyExport(o.out))}\n`);
        }
      },
    );
}
