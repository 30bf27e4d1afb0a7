export * from './schema.js';
export { configLoader, loadConfig, parseConfig, parseOverrideValue, type ConfigOverride } from './load.js';
