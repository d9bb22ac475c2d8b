// The PyTorch orientation of the parameters: files and getParam/setParam use PyTorch's
// state_dict shapes (weight_ih_l0 (G·H, I)); the arena holds W (I, G·H) so that the forward
// products are x·W (docs/DESIGN.md "Weight orientation"). These copy one way or the other.
import { ShapeError, assertFinite } from '../errors.js';
import type { ParamSpec } from './params.js';

/** A copy of an arena tensor in its file orientation. */
export function toFileOrientation(spec: ParamSpec, arena: Float32Array): Float32Array {
  if (!spec.transposed) return Float32Array.from(arena);
  const [rows, cols] = spec.fileShape, out = new Float32Array(rows * cols); // the arena holds (cols, rows)
  for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) out[j * cols + i] = arena[i * rows + j];
  return out;
}

/** Writes `data` (file orientation, row-major) into the arena tensor after checking it. */
export function fromFileOrientation(spec: ParamSpec, data: ArrayLike<number>, arena: Float32Array): void {
  if (!data || typeof data.length !== 'number') throw new ShapeError(`${spec.name}: expected an array of ${spec.size} numbers`);
  if (data.length !== spec.size) {
    throw new ShapeError(`${spec.name}: expected ${spec.size} values for shape [${spec.fileShape}], got ${data.length}`);
  }
  assertFinite(data, spec.name);
  if (!spec.transposed) { arena.set(data); return; }
  const [rows, cols] = spec.fileShape;
  for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) arena[i * rows + j] = data[j * cols + i];
}
