// Loads the app. A file of its own (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts.
//
// There are two builds (frontend/src/builds.rs): the light one, `frontend`, is
// what a first visit downloads; the full one, `full`, adds the JSON readers and
// the teaching modes. A URL that needs the full build from the start (a teaching
// mode, a permalink of a custom scenario) gets it directly; otherwise the light
// build asks for it through `tlbraceLoadFull` when the user needs it.

const TEACHING_MODES = ['compare', 'lesson', 'editor'];

function needsFullBuild() {
  const mode = new URLSearchParams(location.search).get('mode');
  // An inline (custom) scenario: `#v1/x.<base64url>/...`.
  return TEACHING_MODES.includes(mode) || /^#?v\d+\/x\./.test(location.hash);
}

function showError(error) {
  const banner = document.getElementById('panic');
  const message = document.getElementById('panic-message');
  if (message) message.textContent = `The simulator could not start: ${error}`;
  if (banner) banner.hidden = false;
}

async function boot(name) {
  // Fetch the wasm while the glue loads, not after it (saves a round trip).
  const wasmResponse = fetch(new URL(`./${name}_bg.wasm`, import.meta.url));
  const { default: init } = await import(`./${name}.js`);
  const wasm = await init({ module_or_path: wasmResponse });
  // For benchmarks (e2e/bench.js): the size of the wasm linear memory.
  globalThis.tlbraceWasmMemoryBytes = () => wasm.memory.buffer.byteLength;
  globalThis.tlbraceBuild = name;
}

let fullBuild = null;
// Called by the light build (builds.rs `hand_off`) once it has unmounted itself.
globalThis.tlbraceLoadFull = () => {
  if (!fullBuild) {
    const app = document.getElementById('app');
    if (app) {
      const loading = document.createElement('p');
      loading.className = 'loading';
      loading.textContent = 'Loading the teaching tools\u2026';
      app.replaceChildren(loading);
    }
    fullBuild = boot('full').catch(showError);
  }
  return fullBuild;
};

if (needsFullBuild()) {
  globalThis.tlbraceLoadFull();
} else {
  boot('frontend').catch(showError);
}
