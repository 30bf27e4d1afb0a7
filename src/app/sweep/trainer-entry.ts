#!/usr/bin/env node
// The trainer a sweep spawns: the mtrank CLI, guarded so that it dies with the process that started it.
import { exitWithParent } from './orphan-guard.js';

exitWithParent();
await import('../../cli/main.js');
