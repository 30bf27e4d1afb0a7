/**
 * After `mtrank calibrate`: a fusion.json searched before this calibration holds weights found on other
 * probabilities than the ones `mtrank fuse` would search on now (fuse searches on calibration.json's when the run
 * has one). One line saying so, with the command that searches them again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the new calibration.json is against the probabilities a fusion.json may have been searched on. */
export interface NewCalibration {
  /** It differs from the calibration.json it replaced (or there was none). */
  changed: boolean;
  /** It leaves every probability as it is (analytic with all label weights 1). */
  identity: boolean;
}

/** The one line for the run's fusion.json, or undefined when there is none or it was searched on these probabilities. */
export function staleFusionNote(run: string, calibration: NewCalibration): string | undefined {
  const path = join(run, 'fusion.json');
  if (!existsSync(path)) return undefined;
  let fusion: { probabilities?: unknown; flags?: unknown };
  try {
    fusion = JSON.parse(readFileSync(path, 'utf8')) as typeof fusion;
  } catch {
    return undefined; // a damaged fusion.json is reported by whatever reads it for scoring
  }
  const onCalibrated = fusion.probabilities === 'calibrated';
  if (onCalibrated ? !calibration.changed : calibration.identity) return undefined;
  const flags = Array.isArray(fusion.flags) ? fusion.flags.map(String) : undefined;
  const command = ['mtrank', 'fuse', run, ...(flags ?? [])].map(shellWord).join(' ');
  const what = onCalibrated
    ? `${path}: its output weights were searched on the previous calibration's probabilities, and predict and serve now apply them to this one's`
    : `${path}: its output weights were searched on uncalibrated probabilities (predict and serve keep applying them to those)`;
  return `${what}; to search them on ${onCalibrated ? "this calibration's" : 'the calibrated ones'}: ${command}${flags ? '' : ' (plus the options of the earlier search: this fusion.json does not record them)'}`;
}

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
