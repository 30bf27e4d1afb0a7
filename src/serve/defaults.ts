/** The server's limits when not given: here, apart from the server, so `mtrank serve --help` shows them cheaply. */
export const SERVE_DEFAULTS = { maxCandidates: 1000, bodyLimit: 1 << 20, maxWaitMs: 1, maxBatchRows: 8192 };
