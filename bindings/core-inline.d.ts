// The types of dist/core-inline.js, which scripts/bundle.mjs writes from build/*.wasm (it is
// generated, so there is no .ts here): each shipped core's bytes, base64-encoded. Imported
// dynamically by bindings/browser.ts (the fallback) and statically by bindings/browser-inline.ts.
export declare const relaxed: string;
export declare const simd: string;
