#!/usr/bin/env node
// `npm run demo [-- --port 8080] [--host 127.0.0.1] [--build-only]`: builds the demo page
// (demo/ → dist/demo/, after the library build if build/*.wasm or dist/ is missing) and serves
// it. The port comes from --port, else $PORT, else 8080; a busy port falls back to a free one.
import { startDemo, buildDemo, ensureLibrary, OUT } from './demo-server.mjs';

function option(name) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

try {
  if (process.argv.includes('--build-only')) {
    ensureLibrary();
    await buildDemo({ minify: true });
    console.log(`gatedrnn demo built in ${OUT}`);
  } else {
    const raw = option('--port') ?? process.env.PORT ?? '8080';
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer in 0..65535, got ${JSON.stringify(raw)}`);
    const demo = await startDemo({ port, host: option('--host') ?? '127.0.0.1', log: (m) => console.log(m) });
    console.log(`gatedrnn demo: ${demo.url}  (Ctrl-C to stop)`);
    const stop = () => { demo.close().then(() => process.exit(0)); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
} catch (e) {
  console.error(`gatedrnn demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
