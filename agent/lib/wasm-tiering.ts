// How soon V8 recompiles libvips' WebAssembly with its optimising compiler (TurboFan).

import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

/**
 * V8 runs each wasm function first as quickly compiled baseline code (Liftoff) and recompiles
 * it with TurboFan, in the background, once it has run about this many bytes of code. V8's
 * default (1,800,000) is tuned for short-lived pages: on the 100 Mpx image it had 244 of
 * libvips' functions recompiled, 0.55 s of CPU, though a handful of them (JPEG decode and
 * encode, colour conversion) do nearly all the work. At 300,000,000, 14-16 are, in 0.12 s.
 * Measured, alternating with the default on this 2-core machine: 100 Mpx faster in 10 rounds of
 * 10, median -0.21 s, CPU -0.4 s; Kleiber (20 Mpx) CPU -0.25 s; the 16-photo batch -0.23 s
 * (5 rounds); 0.9 Gpx no change. Budgets from 20M to 1G did about the same; Liftoff alone
 * (nothing recompiled) was 0.5 s slower on 100 Mpx.
 */
export const WASM_TIERING_BUDGET = 300_000_000;

let applied = false;

/**
 * Sets V8's tiering budget for this process (V8's flags are per process: every worker thread
 * gets it). Must run before libvips is instantiated: each instance takes the budget when it is
 * made. A budget given on node's own command line or in NODE_OPTIONS is left alone. Only the
 * main thread sets it (before it starts any worker that instantiates libvips), so no thread
 * changes V8's flags while another runs.
 */
export function useWasmTieringBudget(): void {
  if (applied || !isMainThread) return;
  applied = true;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('wasm-tiering-budget'));
  if (!given) setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}
