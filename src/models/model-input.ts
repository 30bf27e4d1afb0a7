// The input every model's shared path reads: the feature tensor (FeatureInput) and, when the config asks
// for one, an interaction layer on it (model.interaction). Per-task copies use prefixed table names.
import type { Graph } from '../engine/graph.js';
import type { Tensor } from '../engine/tensor.js';
import type { ParamStore } from '../engine/params.js';
import { normal, scaledNormal, type Init } from '../engine/init.js';
import { FeatureInput, type FeatureBatch, type FeatureInputSpec } from './layers.js';
import type { ModelConfig } from '../config/schema.js';
import type { FieldBlock, Interaction } from './interaction/interaction.js';
import { FmInteraction } from './interaction/fm.js';
import { DotInteraction } from './interaction/dot.js';
import { CrossNetwork } from './interaction/dcn.js';
import { MtrankError } from '../util/errors.js';

/** Features with a known role, for defaults (the dot interaction's user and item). */
export interface FieldRoles {
  user?: string;
  item?: string;
}

export class ModelInput {
  readonly features: FeatureInput;
  readonly outDim: number;
  private readonly interaction: Interaction | null;

  /** `prefix` (e.g. 'click/') names a per-task copy: its own tables and interaction weights. */
  constructor(store: ParamStore, spec: FeatureInputSpec, config: ModelConfig, roles: FieldRoles = {}, prefix = '') {
    this.features = new FeatureInput(store, prefix ? prefixed(spec, prefix) : spec, {
      init: embeddingInit(config.embeddingInit),
    });
    this.interaction = createInteraction(store, `${prefix}cross`, this.features.outDim, spec, config, roles);
    this.outDim = this.interaction?.outDim ?? this.features.outDim;
  }

  forward(g: Graph, batch: FeatureBatch): Tensor {
    const x = this.features.forward(g, batch);
    return this.interaction ? this.interaction.forward(g, x) : x;
  }
}

/** The initial rows: N(0, 1/dim) per table ('scaled'), or a fixed std. */
export function embeddingInit(setting: ModelConfig['embeddingInit']): Init {
  return setting === 'scaled' ? scaledNormal : normal(setting);
}

/** Per-task table names (emb.<task>/<feature>), so each task owns its embeddings. */
export function prefixed(spec: FeatureInputSpec, prefix: string): FeatureInputSpec {
  return {
    categorical: spec.categorical.map((f) => ({ ...f, name: `${prefix}${f.name}` })),
    multi: spec.multi?.map((f) => ({ ...f, name: `${prefix}${f.name}` })),
    denseCount: spec.denseCount,
  };
}

/** The ID fields' blocks in the feature tensor (lookups, then bags, then dense columns). */
export function fieldBlocks(spec: FeatureInputSpec): FieldBlock[] {
  let offset = 0;
  return [...spec.categorical, ...(spec.multi ?? [])].map((f) => {
    const block = { name: f.name, offset, dim: f.dim };
    offset += f.dim;
    return block;
  });
}

function createInteraction(
  store: ParamStore,
  name: string,
  inDim: number,
  spec: FeatureInputSpec,
  config: ModelConfig,
  roles: FieldRoles,
): Interaction | null {
  switch (config.interaction) {
    case 'none':
      return null;
    case 'dcn-v2':
      return new CrossNetwork(store, name, inDim, config.crossLayers, config.crossRank);
    case 'fm':
      return new FmInteraction(inDim, interactingFields(spec, config, roles));
    case 'dot':
      return new DotInteraction(inDim, interactingFields(spec, config, roles));
  }
}

/** model.interactionFields, else fm: the fields of the largest dim; dot: the user (group) and item features. */
export function interactingFields(spec: FeatureInputSpec, config: ModelConfig, roles: FieldRoles): FieldBlock[] {
  const blocks = fieldBlocks(spec),
    kind = config.interaction;
  let names = config.interactionFields;
  if (!names && kind === 'dot') {
    if (!roles.user || !roles.item)
      throw new MtrankError(
        "model.interaction 'dot': name the fields in model.interactionFields (no group feature and item feature to default to)",
      );
    names = [roles.user, roles.item];
  }
  if (!names) {
    const top = Math.max(...blocks.map((b) => b.dim));
    names = blocks.filter((b) => b.dim === top).map((b) => b.name);
    if (names.length < 2)
      throw new MtrankError(
        `model.interaction '${kind}': only '${names[0] ?? '-'}' has the largest embeddingDim (${top}); give two or more features the same embeddingDim or set model.interactionFields`,
      );
  }
  const chosen = names.map((n) => {
    const b = blocks.find((x) => x.name === n);
    if (!b)
      throw new MtrankError(
        `model.interactionFields: '${n}' is not an ID input feature (expected one of ${blocks.map((x) => x.name).join(', ')})`,
      );
    return b;
  });
  if (new Set(chosen.map((b) => b.name)).size !== chosen.length)
    throw new MtrankError(`model.interactionFields: a feature is listed twice (${names.join(', ')})`);
  const dims = new Set(chosen.map((b) => b.dim));
  if (dims.size > 1)
    throw new MtrankError(
      `model.interaction '${kind}': the fields need one embeddingDim, got ${chosen.map((b) => `${b.name} ${b.dim}`).join(', ')}`,
    );
  return chosen;
}
