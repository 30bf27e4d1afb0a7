export * from './schema.js';
export { configLoader, loadConfig, parseConfig, parseOverrideValue } from './load.js';
