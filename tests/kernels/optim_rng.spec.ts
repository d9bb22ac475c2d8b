// xoshiro128** known answers: from the state {1, 2, 3, 4} the reference C code of Blackman &
// Vigna produces 11520, 0, 5927040, 70819200, 2031721883, 1637235492 (the first three are easy
// to check by hand). fill_uniform_f32 on [0, 1) exposes the top 24 bits of each draw exactly.
import { fill_uniform_f32, fill_uniform_f32_scalar } from "../../assembly/optim/rng_uniform_f32";

const DRAWS: u32[] = [11520, 0, 5927040, 70819200, 2031721883, 1637235492];
const AFTER: u32[] = [1110993931, 286554632, 2431677446, 2165318166];

function setState(st: usize): void {
  store<u32>(st, 1); store<u32>(st, 2, 4); store<u32>(st, 3, 8); store<u32>(st, 4, 12);
}

describe("xoshiro128**", () => {
  it("reproduces the reference stream from {1, 2, 3, 4} in both uniform kernels", () => {
    const st = heap.alloc(16), dst = heap.alloc(6 * 4);
    for (let k = 0; k < 2; k++) {
      setState(st);
      if (k == 0) fill_uniform_f32(dst, 6, 0, 1, st); else fill_uniform_f32_scalar(dst, 6, 0, 1, st);
      for (let i = 0; i < 6; i++) {
        expect<f32>(load<f32>(dst + (<usize>i << 2))).toBe(<f32>(DRAWS[i] >> 8) * <f32>5.9604644775390625e-8);
      }
      for (let w = 0; w < 4; w++) expect<u32>(load<u32>(st + (<usize>w << 2))).toBe(AFTER[w]);
    }
  });
});
