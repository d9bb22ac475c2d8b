// An ordered table of named tensors → 64-byte-aligned byte offsets in one arena.
// Counts are in f32 elements; offsets in bytes.

export interface Slot {
  name: string;
  /** Shape in the arena's own orientation (row-major). */
  shape: number[];
  /** Element count (product of shape). */
  size: number;
  /** Byte offset from the start of the region. */
  offset: number;
}

export const ALIGN_BYTES = 64;

export function alignBytes(n: number): number {
  return Math.ceil(n / ALIGN_BYTES) * ALIGN_BYTES;
}

/** Lays out tensors back to back, each starting on a 64-byte boundary. */
export class Layout {
  readonly slots: Slot[] = [];
  private readonly byName = new Map<string, Slot>();
  /** Total bytes, a multiple of 64. */
  bytes = 0;

  add(name: string, shape: number[]): Slot {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot: Slot = { name, shape, size, offset: this.bytes };
    this.bytes += alignBytes(size * 4);
    this.slots.push(slot);
    this.byName.set(name, slot);
    return slot;
  }

  get(name: string): Slot {
    const s = this.byName.get(name);
    if (!s) throw new Error(`layout has no tensor '${name}'`);
    return s;
  }

  has(name: string): boolean { return this.byName.has(name); }

  /** Number of f32 elements covering the whole region (padding included). */
  get floats(): number { return this.bytes / 4; }
}

/** A bump allocator over byte addresses, used to place the arena's regions. */
export class Bump {
  constructor(public next: number) { this.next = alignBytes(next); }
  take(bytes: number): number {
    const at = this.next;
    this.next = alignBytes(at + bytes);
    return at;
  }
  takeFloats(n: number): number { return this.take(n * 4); }
}
