/**
 * Load an experiment config from YAML/JSON, apply `--set a.b.c=value` overrides, validate, and resolve the
 * file paths in it relative to the config file, so the resolved config works from any working directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { MtrankError } from '../util/errors.js';
import { closestKey, validKeysAt } from './suggest.js';
import { checkConfigSanity } from './sanity.js';
import { experimentConfig, randomSplitRatios, type ExperimentConfig, type SourceConfig } from './schema.js';

export interface LoadOptions {
  /** Directory that relative paths are resolved against (default: the config file's directory, or cwd). */
  baseDir?: string;
  /** Name used in error messages. */
  file?: string;
}

/** Read, override, validate and resolve a config file. */
export function loadConfig(path: string, overrides: string[] = []): ExperimentConfig {
  return configLoader(path)(overrides);
}

/**
 * Reads and parses a config file once; the function it returns applies overrides, validates and resolves, like
 * loadConfig. A sweep resolves all its trials from one read: parsing the YAML again per trial was 60% of
 * planning a 12-trial sweep.
 */
export function configLoader(path: string): (overrides: string[]) => ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MtrankError(`${path}: config file not found`);
    if (code === 'EISDIR') throw new MtrankError(`${path}: is a directory; give the config file (YAML or JSON)`);
    throw new MtrankError(`${path}: cannot read the config file (${code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new MtrankError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`,
    );
  }
  return (overrides) => parseConfig(raw, overrides, { baseDir: dirname(resolve(path)), file: path });
}

/** Validate an already-parsed config object (same rules as loadConfig). */
export function parseConfig(raw: unknown, overrides: string[] = [], opts: LoadOptions = {}): ExperimentConfig {
  const file = opts.file ?? 'config';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new MtrankError(`${file}: expected a mapping at the top level`);
  const obj = structuredClone(raw) as Record<string, unknown>;
  for (const o of overrides) applyOverride(obj, o);
  const result = experimentConfig.safeParse(obj);
  if (!result.success)
    throw new MtrankError(formatConfigIssues(file, result.error.issues), { issues: result.error.issues });
  checkConfigSanity(result.data, file);
  return resolvePaths(result.data, opts.baseDir ?? process.cwd());
}

// Keys that would reach Object.prototype: prototype pollution must be impossible.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** "a.b.c=value": set a nested key, creating objects on the way; the value is parsed (see parseOverrideValue). */
export function applyOverride(obj: Record<string, unknown>, override: string): void {
  const eq = override.indexOf('=');
  if (eq <= 0) throw new MtrankError(`--set ${override}: expected key.path=value`);
  const keys = override.slice(0, eq).trim().split('.');
  if (keys.some((k) => k === '')) throw new MtrankError(`--set ${override}: empty key in '${override.slice(0, eq)}'`);
  const forbidden = keys.find((k) => FORBIDDEN_KEYS.has(k));
  if (forbidden) throw new MtrankError(`--set ${override}: '${forbidden}' is not a config key`);
  let node: Record<string, unknown> = obj;
  // Own keys only: an inherited property (toString, ...) is not a section to descend into.
  for (let i = 0; i < keys.length - 1; i++) {
    const next = Object.hasOwn(node, keys[i]) ? node[keys[i]] : undefined;
    if (next === undefined || next === null) node[keys[i]] = {};
    else if (typeof next !== 'object')
      throw new MtrankError(
        `--set ${override}: '${keys.slice(0, i + 1).join('.')}' is a ${typeof next}, not a section`,
      );
    node = node[keys[i]] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = parseOverrideValue(override.slice(eq + 1));
}

/**
 * Numbers, booleans, null, `[..]`/`{..}` (YAML flow syntax) are parsed; `a,b,c` becomes a list; anything
 * else (including `auto`) stays a string.
 */
export function parseOverrideValue(text: string): unknown {
  const t = text.trim();
  if (t.includes(',') && !/^[[{]/.test(t)) {
    const parts = t.split(',').map((p) => p.trim());
    if (parts.every((p) => p !== '')) return parts.map(parseOverrideValue);
  }
  if (t === '') return '';
  try {
    const v = YAML.parse(t);
    return v === undefined ? t : v;
  } catch {
    return t;
  }
}

/** Keys users look for in another section. */
const MOVED: Record<string, string> = { 'training.dropout': "'model.dropout' (bottom, towers and experts)" };

/** One line per issue: "file: tasks.order.labelWeight: expected ..., got ...". */
export function formatConfigIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((i) => {
    const path = i.path.map(String).join('.');
    let msg = i.message;
    if (i.code === 'unrecognized_keys') {
      const valid = validKeysAt(experimentConfig, i.path);
      const named = i.keys.map((k) => {
        const moved = MOVED[[...i.path.map(String), k].join('.')];
        if (moved) return `'${k}' (it is ${moved})`;
        const near = closestKey(k, valid);
        return near ? `'${k}' (did you mean '${near}'?)` : `'${k}'`;
      });
      msg = `unknown key${i.keys.length > 1 ? 's' : ''} ${named.join(', ')}; valid keys: ${valid.join(', ')}`;
    } else if (i.code === 'invalid_union' && 'discriminator' in i && typeof i.discriminator === 'string') {
      const valid = validKeysAt(experimentConfig, i.path);
      msg = `expected a '${i.discriminator}' key${valid.length ? ` (valid keys: ${valid.join(', ')})` : ''}`;
    } else if (i.code === 'invalid_union' && 'errors' in i && i.errors.length > 0 && msg === 'Invalid input') {
      msg = 'expected one of the accepted forms';
    }
    msg = msg.replace(/^Invalid input: /, '');
    return `  ${path || '(top level)'}: ${msg}`;
  });
  return `${file}: invalid config\n${lines.join('\n')}`;
}

function resolvePaths(c: ExperimentConfig, base: string): ExperimentConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const src = (s: SourceConfig | undefined): SourceConfig | undefined => {
    if (s === undefined) return undefined;
    if (typeof s === 'string') return abs(s);
    if (Array.isArray(s)) return s.map(abs);
    return { ...s, path: Array.isArray(s.path) ? s.path.map(abs) : abs(s.path) };
  };
  const data = {
    ...c.data,
    train: src(c.data.train),
    valid: src(c.data.valid),
    test: src(c.data.test),
    source: src(c.data.source),
  };
  data.cacheDir = abs(c.data.cacheDir ?? '.cache/mtrank');
  // The resolved config (config.json of a run) shows the ratios actually used.
  if (data.split?.method === 'random') data.split = { ...data.split, ratios: randomSplitRatios(c.data) };
  for (const k of ['train', 'valid', 'test', 'source'] as const) if (data[k] === undefined) delete data[k];
  const features = Object.fromEntries(
    Object.entries(c.features).map(([n, f]) => [
      n,
      f.type === 'categorical' && f.pretrained
        ? {
            ...f,
            pretrained: {
              ...f.pretrained,
              path: abs(f.pretrained.path),
              ...(f.pretrained.graphsage
                ? { graphsage: { ...f.pretrained.graphsage, model: abs(f.pretrained.graphsage.model) } }
                : {}),
            },
          }
        : f,
    ]),
  );
  return { ...c, data, features };
}
