// as-pect runs the kernel-level specs in tests/kernels/*.spec.ts (AssemblyScript).
// Pairing: as-pect 8.1.0 with assemblyscript 0.28.20 (installed with legacy-peer-deps, see
// README "Toolchain"): numbers, floats and pointers work; class reflection does not, and the
// specs do not use it.
export default {
  entries: ['tests/kernels/**/*.spec.ts'],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
