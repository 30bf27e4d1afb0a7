// The package's public entry: `import { loadRanker } from 'mtrank'`.
export { loadRanker, Ranker } from './serve/ranker.js';
export type { LoadRankerOptions, ModelInfo, RankedItem, RankRequest, Row, ScoredRow } from './serve/ranker.js';
export { createServer } from './serve/server.js';
export type { RankingServer, ServeOptions } from './serve/server.js';
