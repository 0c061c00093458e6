// Loads the app. A file of its own (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts.
import init from './frontend.js';

init({ module_or_path: new URL('./frontend_bg.wasm', import.meta.url) })
  .then((wasm) => {
    // For benchmarks (e2e/bench.js): the size of the wasm linear memory.
    globalThis.tlbraceWasmMemoryBytes = () => wasm.memory.buffer.byteLength;
  })
  .catch((error) => {
  const banner = document.getElementById('panic');
  const message = document.getElementById('panic-message');
  if (message) message.textContent = `The simulator could not start: ${error}`;
  if (banner) banner.hidden = false;
});
