/**
 * The config's enums, declared once: the schema (schema.ts), the registries (src/models, src/fusion), benchmarks
 * and CLI help read them. Plain constants without zod, so `mtrank <command> --help` can list them cheaply.
 */
export const MODEL_TYPES = ['shared-bottom', 'single-task', 'mmoe', 'ple', 'esmm'] as const;
export const ACTIVATIONS = ['relu', 'leaky-relu', 'gelu', 'tanh', 'sigmoid'] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adagrad'] as const;
export const INTERACTIONS = ['none', 'fm', 'dcn-v2', 'dot'] as const;
export const TASK_EMBEDDINGS = ['shared', 'per-task', 'shared+per-task'] as const;
export const FUSION_FORMS = ['linear', 'product', 'ensemble', 'rank', 'expected-value'] as const;
export const FUSION_SEARCHES = ['grid', 'coordinate', 'random', 'cmaes'] as const;
export const FUSION_OBJECTIVES = ['auc', 'gauc', 'weighted-auc', 'value-auc', 'value-ndcg'] as const;
