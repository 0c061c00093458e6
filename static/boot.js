// Loads the app. A file of its own (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts.
//
// There are two builds (frontend/src/capabilities.rs): the light one,
// `frontend`, is what a first visit downloads; the full one, `full`, adds the
// JSON readers and the teaching modes. The app writes one flag into the URL
// when what it shows needs the full build (`?full`): a reload, Back, Forward or
// a shared link with it starts the full build directly. Otherwise the light
// build asks for the full one through `tlbraceLoadFull` when the user needs it.

function needsFullBuild() {
  return new URLSearchParams(location.search).has('full');
}

function showError(error) {
  const banner = document.getElementById('panic');
  const message = document.getElementById('panic-message');
  if (message) message.textContent = `The simulator could not start: ${error}`;
  if (banner) banner.hidden = false;
}

// Compiles a fetched wasm, streaming when the server says it is wasm.
async function compile(responsePromise) {
  const response = await responsePromise;
  if (response.headers.get('Content-Type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

// Starts build `name`. With `beforeStart`, the build is downloaded and compiled
// first and `beforeStart` called just before it starts (the light build, still on
// screen, unmounts then); without, it compiles and starts as it streams in.
async function boot(name, beforeStart = null) {
  // Fetch the wasm while the glue loads, not after it (saves a round trip).
  const wasmResponse = fetch(new URL(`./${name}_bg.wasm`, import.meta.url));
  const { default: init } = await import(`./${name}.js`);
  let module_or_path = wasmResponse;
  if (beforeStart) {
    module_or_path = await compile(wasmResponse);
    beforeStart();
  }
  const wasm = await init({ module_or_path });
  // For benchmarks (e2e/bench.js): the size of the wasm linear memory.
  globalThis.tlbraceWasmMemoryBytes = () => wasm.memory.buffer.byteLength;
  globalThis.tlbraceBuild = name;
}

// Says that the full build could not load while the light one still works.
function showLoadError(error) {
  const banner = document.getElementById('load-error');
  const message = document.getElementById('load-error-message');
  if (message) message.textContent = `The teaching tools could not be loaded (${error}). The visualizer still works; asking again tries again.`;
  if (banner) banner.hidden = false;
}

let fullBuild = null;
// Called by the light build (builds.rs `hand_off`), which stays on screen until
// the full build is ready and is unmounted by `unmountLight` just before it starts.
// If loading fails before that, the light build keeps working and the next call
// tries again.
globalThis.tlbraceLoadFull = (unmountLight = () => {}) => {
  let unmounted = false;
  fullBuild ??= boot('full', () => {
    unmounted = true;
    unmountLight();
  }).catch((error) => {
    if (unmounted) {
      showError(error);
    } else {
      fullBuild = null;
      showLoadError(error);
    }
  });
  return fullBuild;
};

if (needsFullBuild()) {
  const app = document.getElementById('app');
  const loading = app?.querySelector('.loading');
  if (loading) loading.textContent = 'Loading the simulator and its teaching tools\u2026';
  globalThis.tlbraceLoadFull();
} else {
  boot('frontend').catch(showError);
}
