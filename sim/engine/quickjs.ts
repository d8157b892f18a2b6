/**
 * Loads the QuickJS WebAssembly module once per process (the synchronous release build of
 * quickjs-emscripten). Each simulated board gets its own runtime (memory limit, stack limit,
 * interrupt handler); each boot gets a fresh context on it.
 */
import { newQuickJSWASMModule, RELEASE_SYNC, type QuickJSWASMModule } from 'quickjs-emscripten';

let mod: Promise<QuickJSWASMModule> | undefined;

export function loadQuickJS(): Promise<QuickJSWASMModule> {
  mod ??= newQuickJSWASMModule(RELEASE_SYNC);
  return mod;
}
