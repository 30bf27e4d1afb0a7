// A kernel worker: instantiates the main thread's compiled kernels on the same shared memory, then loops:
// wait for the job generation to change, run its own part, count itself done.
import { workerData } from 'node:worker_threads';
import { runJobPart, controlViews, CTRL, JOB, SPIN_WORKER, type WorkerInit } from './kernel-jobs.js';
import type { KernelExports } from './wasm.js';

const init = workerData as WorkerInit;
const k = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as KernelExports;
const { ctrl, args } = controlViews(init.control);
const work = init.workBase + init.index * init.workBytes;
let seen = init.startGen;
Atomics.add(ctrl, CTRL.started, 1);

for (;;) {
  for (let i = 0; i < SPIN_WORKER && Atomics.load(ctrl, CTRL.gen) === seen; i++);
  while (Atomics.load(ctrl, CTRL.gen) === seen) Atomics.wait(ctrl, CTRL.gen, seen);
  seen = Atomics.load(ctrl, CTRL.gen);
  const kind = Atomics.load(ctrl, CTRL.kind);
  if (kind === JOB.stop) break;
  try {
    runJobPart(k, kind, args, init.index, Atomics.load(ctrl, CTRL.parts), work);
  } catch (e) {
    Atomics.store(ctrl, CTRL.error, 1);
    console.error(`kernel worker ${init.index}:`, e);
  }
  Atomics.add(ctrl, CTRL.done, 1);
  Atomics.notify(ctrl, CTRL.done);
}
