export * from './schema.js';
export { loadConfig, parseConfig, parseOverrideValue } from './load.js';
