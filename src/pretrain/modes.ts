// Wiring of pretrained tables into training: the table initialiser, the optimizer group that carries lrScale,
// and the freeze / finetune / freeze-then-finetune switch (EmbeddingTable.frozen, which the engine's optimizers
// and tape honour: a frozen table receives no gradient and no update).
import type { EmbeddingTable } from '../engine/params.js';
import type { Init } from '../engine/init.js';
import type { PretrainedConfig } from '../config/schema.js';
import type { PretrainedInit } from '../features/vector-init.js';

/** ParamStore.embedding(name, init.vocabSize, init.dim, fromPretrained(init), pretrainedGroup(name)). */
export function fromPretrained(init: PretrainedInit): Init {
  return (data, rows, cols) => {
    if (rows !== init.vocabSize || cols !== init.dim) {
      throw new Error(`pretrained table is ${init.vocabSize}×${init.dim}, the parameter was created ${rows}×${cols}`);
    }
    data.set(init.data);
  };
}

/** Parameter group of a pretrained feature's table, so its learning rate can differ (lrScale). */
export const pretrainedGroup = (feature: string): string => `pretrained:${feature}`;

/** Optimizer `groups` entries: embedding lr × lrScale for each pretrained feature that sets lrScale. */
export function pretrainedLrGroups(
  features: Record<string, { pretrained?: PretrainedConfig }>,
  embeddingLr: number,
): Record<string, { lr: number }> {
  const groups: Record<string, { lr: number }> = {};
  for (const [name, f] of Object.entries(features)) {
    if (f.pretrained) groups[pretrainedGroup(name)] = { lr: embeddingLr * (f.pretrained.lrScale ?? 1) };
  }
  return groups;
}

export interface PretrainedTable {
  table: EmbeddingTable;
  mode: PretrainedConfig['mode'];
  unfreezeAfter?: number;
}

/** A learned table whose rows from `from` on (IDs appended from a vector file) copy its OOV row 0. */
export interface OovMirror {
  table: EmbeddingTable;
  from: number;
}

/**
 * Sets `frozen` on pretrained tables before every optimizer step: freeze and concat → always; finetune → never;
 * freeze-then-finetune → while fewer than `unfreezeAfter` steps are done (default: one epoch of steps).
 * After every step, copies the OOV row of concat mode's learned tables into their appended rows, so an ID known
 * only to the vector file reads [OOV row | its pretrained vector] in evaluation, predict, export and serve.
 */
export class PretrainedModes {
  constructor(
    private readonly tables: readonly PretrainedTable[],
    private readonly stepsPerEpoch: number,
    private readonly mirrors: readonly OovMirror[] = [],
  ) {}

  /** `stepsDone`: optimizer steps completed before the coming one. */
  beforeStep(stepsDone: number): void {
    for (const t of this.tables) t.table.frozen = isFrozen(t, stepsDone, this.stepsPerEpoch);
  }

  afterStep(): void {
    for (const { table, from } of this.mirrors) {
      const d = table.dim,
        oov = table.data.subarray(0, d);
      for (let r = from; r < table.vocab; r++) table.data.set(oov, r * d);
    }
  }
}

export function isFrozen(t: Omit<PretrainedTable, 'table'>, stepsDone: number, stepsPerEpoch: number): boolean {
  if (t.mode === 'freeze' || t.mode === 'concat') return true;
  if (t.mode === 'finetune') return false;
  return stepsDone < (t.unfreezeAfter ?? stepsPerEpoch);
}
