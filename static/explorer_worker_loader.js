// Starts the explorer's Web Worker (frontend/src/bin/explorer_worker.rs, built
// by Trunk as a no-modules script): `new Worker('./explorer_worker_loader.js')`.
// Ours rather than Trunk's loader shim, which passes the wasm's path in the form
// wasm-bindgen has deprecated (and says so on the console).
importScripts('./explorer_worker.js');
wasm_bindgen({ module_or_path: './explorer_worker_bg.wasm' }).catch((error) => {
  // Said in the page's own terms (explorer_worker.rs `Reply::Failed`): a
  // rejection here would otherwise stay inside the worker and the page would wait.
  // Messages are JSON text (sim-core's WorkerReply, tagged by `kind`), not objects.
  self.postMessage(JSON.stringify({ kind: 'failed', message: `the explorer's worker did not start: ${error}` }));
});
