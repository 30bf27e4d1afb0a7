import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictFile, scoreRecords } from '../../src/app/predict.js';
import { exportRun } from '../../src/export/export.js';
import { verifyExport } from '../../src/export/verify.js';
import { encodedFeeds } from '../../src/export/feeds.js';
import { sampleEncodedRows } from '../../src/export/sample-rows.js';
import { readFusion } from '../../src/fusion/artifact.js';
import { runFuseCommand } from '../../src/fusion/index.js';
import { loadRanker } from '../../src/serve/ranker.js';
import { inputSpec, loadSavedRun } from '../../src/training/saved-run.js';
import { csvRows, trainFixtureRun, type FixtureRun } from '../serve/fixture.js';
import { expectedScore } from './form-expected.js';

const TASKS = ['click', 'cart', 'order'];
let fx: FixtureRun;
let scores: string;
beforeAll(async () => {
  fx = await trainFixtureRun({ fusion: false });
  // a scores file as a team would make one: the run's probabilities beside the labels and the price
  scores = join(fx.root, 'scored.csv');
  await predictFile(fx.dir, fx.csv, scores, { keep: ['price', 'is_click', 'is_cart', 'is_order'] });
}, 120_000);

describe('fuse options for the new forms', () => {
  const base = {
    split: 'valid',
    scoreCol: 'p_{task}',
    labelCol: 'is_{task}',
    groupCol: 'group',
    constraint: [],
    threads: 1,
    seed: 1,
  };
  it('asks for --value when the form or objective needs it, and names a bad value row', async () => {
    await expect(runFuseCommand({ ...base, scores, form: 'expected-value' })).rejects.toThrow(
      /expected-value form needs a business value column: give --value <column>/,
    );
    await expect(runFuseCommand({ ...base, scores, objective: 'value-auc:order' })).rejects.toThrow(
      /value-auc objective needs a business value column/,
    );
    const bad = join(fx.root, 'bad-price.csv');
    const lines = readFileSync(scores, 'utf8').trim().split('\n');
    const col = lines[0]!.split(',').indexOf('price');
    const row = lines[3]!.split(',');
    row[col] = '-2';
    writeFileSync(bad, [...lines.slice(0, 3), row.join(','), ...lines.slice(4)].join('\n'));
    await expect(runFuseCommand({ ...base, scores: bad, form: 'expected-value', value: 'price' })).rejects.toThrow(
      /line 4.*price.*value must be a finite number ≥ 0, got -2/,
    );
    await expect(runFuseCommand({ ...base, scores, form: 'ensemble', offsets: 'click=x' })).rejects.toThrow(
      /--offsets 'click=x': 'click=x' is not <task>=<offset>/,
    );
  });
});

describe('new fusion forms end to end: fuse → fusion.json → predict, serving and the ONNX export', () => {
  for (const form of ['ensemble', 'rank', 'expected-value'] as const)
    it(`${form}`, async () => {
      const path = join(fx.dir, 'fusion.json');
      const r = await runFuseCommand({
        scores,
        split: 'valid',
        scoreCol: 'p_{task}',
        labelCol: 'is_{task}',
        groupCol: 'group',
        constraint: [],
        objective: 'auc:cart',
        form,
        value: 'price',
        offsets: 'click=0.1,order=0.01',
        step: 0.25,
        bootstrap: 0,
        threads: 1,
        seed: 1,
        out: path,
      });
      const file = JSON.parse(readFileSync(path, 'utf8')) as {
        form: string;
        weights: Record<string, number>;
        params: { offsets?: Record<string, number>; knots?: Record<string, number[]>; value?: string };
      };
      expect(file.form).toBe(form);
      const back = readFusion(path, TASKS)!;
      expect(back.weights).toEqual(TASKS.map((t) => file.weights[t]));
      const offsets = TASKS.map((t) => file.params.offsets?.[t] ?? NaN);
      const knots = TASKS.map((t) => file.params.knots?.[t] ?? []);
      if (form === 'ensemble') expect(offsets).toEqual([0.1, 1, 0.01]);
      if (form === 'rank') expect(knots.every((q) => q.length === 1001)).toBe(true);
      if (form === 'expected-value') expect(file.params.value).toBe('price');

      const rows = csvRows(fx.csv, 200);
      const got = scoreRecords(loadSavedRun(fx.dir), rows);
      const want = rows.map((row, i) =>
        expectedScore(
          form,
          back.weights,
          TASKS.map((t) => got.tasks[t]![i]!),
          Number(row.price),
          offsets,
          knots,
        ),
      );
      got.fused!.forEach((s, i) => expect(s).toBeCloseTo(want[i]!, 12));
      expect(r.deploy.formula).toMatch(form === 'rank' ? /pct\(p_/ : form === 'ensemble' ? /^score = \(\d/ : /price/);

      const ranker = await loadRanker(fx.dir);
      (await ranker.score(rows)).forEach((s, i) => expect(s.score).toBeCloseTo(want[i]!, 12));
      if (form === 'expected-value') {
        const noPrice = rows.slice(0, 3).map(({ price: _p, ...rest }) => rest);
        await expect(ranker.score(noPrice)).rejects.toThrow(
          /rows\[0\]\.price: the expected-value fusion needs a value ≥ 0/,
        );
      }
      ranker.close();
      // The graph computes Π (b + p)^w with fusion.json's offsets, Σ w·pct(p) through its knots, or
      // value · Π p^w from its `value` input: onnxruntime within 1e-5 (relative above 1) of predict on 5,000 rows.
      const out = join(fx.root, `export-${form}`);
      const { manifest } = exportRun(fx.dir, out);
      const valueInputs = manifest.onnx.inputs.filter((i) => i.kind === 'value');
      expect(valueInputs).toEqual(
        form === 'expected-value'
          ? [{ name: 'value', kind: 'value', dtype: 'float32', shape: ['batch'], column: 'price' }]
          : [],
      );
      const v = await verifyExport(out);
      expect(v.rows).toBe(5000);
      expect(v.maxAbsDiff.score).toBeLessThan(1e-5); // the fused output is compared, not only the probabilities
      // a what-if with other weights keeps the form's params (offsets, knots, value column)
      const whatIf = join(fx.root, `export-${form}-what-if`);
      exportRun(fx.dir, whatIf, { fusion: 'click=1,cart=0,order=0.5' });
      expect((await verifyExport(whatIf)).maxAbsDiff.score).toBeLessThan(1e-5);
      if (form === 'expected-value') {
        // rows without their value are refused by name, not scored as 0
        const run = loadSavedRun(out);
        const noValue = sampleEncodedRows(
          inputSpec(run.preprocessor),
          run.preprocessor.multiFeatures.map((f) => f.maxLength),
          3,
          1,
        );
        run.model.store.release();
        expect(() => encodedFeeds(manifest.onnx.inputs, noValue)).toThrow(
          /input 'value': the expected-value score needs the business value 'price' of every row/,
        );
        // Served from the export on onnxruntime: the ranker feeds each row's price to the graph.
        const ort = await loadRanker(out, { backend: 'onnxruntime' });
        expect(ort.backendName).toBe('onnxruntime');
        (await ort.score(rows)).forEach((s, i) =>
          expect(Math.abs(s.score - want[i]!)).toBeLessThan(1e-5 * Math.max(1, want[i]!)),
        );
        ort.close();
        // 'auto' times both backends on sampled batches, which then carry a value too
        const auto = await loadRanker(out);
        expect(auto.backendChoice).toBeDefined();
        (await auto.score(rows)).forEach((s, i) =>
          expect(Math.abs(s.score - want[i]!)).toBeLessThan(1e-5 * Math.max(1, want[i]!)),
        );
        auto.close();
      }
      writeFileSync(path, JSON.stringify({ form: 'linear', weights: { click: 1, cart: 1, order: 1 } }));
    });
});
