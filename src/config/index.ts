export * from './schema.js';
export { loadConfig, parseConfig, parseOverrideValue, type ConfigOverride } from './load.js';
