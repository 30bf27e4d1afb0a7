// A kernel worker: instantiates the main thread's compiled kernels on the same shared memory, then loops:
// wait for a new job, join it if it is still open, take chunks until none are left, leave.
import { workerData } from 'node:worker_threads';
import { CTRL, JOB, SPIN_WORKER, controlViews, takeChunks, tryJoin, type WorkerInit } from './kernel-jobs.js';
import type { KernelExports } from './wasm.js';

const init = workerData as WorkerInit;
const k = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as KernelExports;
const { ctrl, args } = controlViews(init.control);
const work = init.workBase + init.index * init.workBytes;
let seen = 0;
Atomics.add(ctrl, CTRL.started, 1);

for (;;) {
  for (let i = 0; i < SPIN_WORKER && Atomics.load(ctrl, CTRL.gen) === seen; i++);
  while (Atomics.load(ctrl, CTRL.gen) === seen) Atomics.wait(ctrl, CTRL.gen, seen);
  seen = Atomics.load(ctrl, CTRL.gen);
  if (Atomics.load(ctrl, CTRL.kind) === JOB.stop) break;
  if (!tryJoin(ctrl)) continue;
  try {
    Atomics.add(ctrl, CTRL.workerChunks, takeChunks(k, ctrl, args, work));
  } catch (e) {
    Atomics.store(ctrl, CTRL.error, 1);
    console.error(`kernel worker ${init.index}:`, e);
  }
  Atomics.sub(ctrl, CTRL.state, 1);
  Atomics.notify(ctrl, CTRL.state);
}
