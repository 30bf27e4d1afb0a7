export * from './schema.js';
export { loadConfig, parseConfig, applyOverride, parseOverrideValue, formatConfigIssues } from './load.js';
