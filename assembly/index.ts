// The only export surface of the WebAssembly module: flat functions over (usize byte
// pointers, i32 element counts). Each folder owns its own index; see docs/DESIGN.md.
export * from "./gemm/index";
export * from "./act/index";
export * from "./cell/index";
export * from "./head/index";
export * from "./optim/index";
export * from "./mem";
