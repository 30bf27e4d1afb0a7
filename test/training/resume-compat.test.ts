import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outcome, project, train } from '../reliability/fixture.js';

describe('--resume of a run started before newer config options existed', () => {
  it('is accepted: its config.json lacks their keys, and their defaults change nothing', async () => {
    const dir = project(600),
      out = join(dir, 'runs', 'old');
    await train(dir, out);
    const path = join(out, 'config.json');
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { model: Record<string, unknown> };
    for (const k of ['interaction', 'crossLayers', 'crossRank', 'taskEmbeddings', 'embeddingInit']) {
      expect(saved.model).toHaveProperty(k);
      delete saved.model[k];
    }
    writeFileSync(path, JSON.stringify(saved, null, 2) + '\n');
    expect((await outcome(() => train(dir, out, { resume: true }))).code).toBe(0);
    // A real difference is still refused.
    saved.model.dropout = 0.5;
    writeFileSync(path, JSON.stringify(saved, null, 2) + '\n');
    // ... naming what differs, saved → now
    expect((await outcome(() => train(dir, out, { resume: true }))).line).toMatch(
      /the resolved config differs from the one this run started with \(model\.dropout: 0\.5 → 0\); --resume needs/,
    );
    // --resume with --overwrite is a contradiction, refused before anything is touched
    const both = await outcome(() => train(dir, out, { resume: true, overwrite: true }));
    expect(both).toEqual({
      code: 1,
      line: 'mtrank: --resume and --overwrite contradict each other: --resume continues the run, --overwrite replaces it',
    });
    expect(JSON.parse(readFileSync(path, 'utf8')).model.dropout).toBe(0.5);
  }, 60_000);
});
