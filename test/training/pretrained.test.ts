import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraining } from '../../src/training/run.js';
import { loadSavedRun } from '../../src/training/saved-run.js';
import { createModel } from '../../src/models/index.js';
import { loadPretrainedTables, withPretrainedGroups } from '../../src/pretrain/pipeline.js';
import { inputSpec } from '../../src/training/saved-run.js';
import { writeFixture, fixtureConfig } from '../integration/pretrained-fixture.js';

async function trainWith(mode: string) {
  const f = writeFixture(mkdtempSync(join(tmpdir(), 'mtrank-pre-')));
  const configPath = join(f.dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(fixtureConfig(f, { mode })));
  const out = join(f.dir, 'run');
  await runTraining({ config: configPath, out, quiet: 'silent' });
  const run = loadSavedRun(out);
  // The initial table, rebuilt independently: a fresh model with the pretrained vectors copied in.
  const fresh = createModel(run.config, withPretrainedGroups(inputSpec(run.preprocessor), run.config.features));
  loadPretrainedTables(fresh.store, run.preprocessor, run.config, 1);
  const table = (m: typeof fresh) => m.store.tables().find((t) => t.name === 'emb.item_id')!.data;
  return {
    trained: table(run.model),
    initial: table(fresh),
    other: run.model.store.tables().find((t) => t.name === 'emb.user_id')!.data,
    otherInitial: fresh.store.tables().find((t) => t.name === 'emb.user_id')!.data,
  };
}

describe('pretrained item vectors in the trainer', () => {
  it('freeze keeps the pretrained table as loaded while the rest trains', async () => {
    const r = await trainWith('freeze');
    expect(Array.from(r.trained)).toEqual(Array.from(r.initial));
    expect(Array.from(r.other)).not.toEqual(Array.from(r.otherInitial));
  }, 30_000);

  it('finetune starts from the pretrained table and updates it', async () => {
    const r = await trainWith('finetune');
    expect(Array.from(r.trained)).not.toEqual(Array.from(r.initial));
  }, 30_000);
});
