// The parameter table: every tensor of a model, once. The arena layout, the model file's
// names and shapes, the orientation mapping to PyTorch, parameter counts, the initialisation
// and which tensors get weight noise all derive from it.
import { Layout } from '../layout.js';
import type { ResolvedConfig } from './config.js';

/** What a tensor is in its layer (docs/DESIGN.md "Arena"). */
export type ParamRole = 'W' | 'U' | 'bih' | 'bhh' | 'peep' | 'V' | 'c';

export interface ParamSpec {
  /** The file (PyTorch state_dict) name: weight_ih_l0, …, head.weight, head.bias. */
  name: string;
  /** Shape as PyTorch stores it. */
  fileShape: number[];
  /** The arena's name (l0.W, …, head.V) and row-major shape. */
  arenaName: string;
  arenaShape: number[];
  /** True when the arena holds the transpose of the file's (2-D) matrix. */
  transposed: boolean;
  /** Gaussian weight noise is added to it for a training update (the paper's input and
   *  recurrent matrices; not biases, peepholes or the output layer). */
  noise: boolean;
  /** How a new model fills it (init.ts): U(−0.1, 0.1), one orthogonal block per gate, or zeros. */
  init: 'uniform' | 'orthogonal' | 'zeros';
  /** Recurrent layer index, or −1 for the head. */
  layer: number;
  role: ParamRole;
  /** Element count. */
  size: number;
}

/** Every parameter tensor in file order: per layer W, U, bih, bhh (and peep), then the head. */
export function paramTable(c: ResolvedConfig): ParamSpec[] {
  const H = c.hiddenSize, GH = c.gates * H, O = c.head.outputs, out: ParamSpec[] = [];
  const add = (s: Omit<ParamSpec, 'size'>) => out.push({ ...s, size: s.arenaShape.reduce((a, b) => a * b, 1) });
  for (let l = 0; l < c.layers; l++) {
    const I = l === 0 ? c.inputSize : H;
    add({ name: `weight_ih_l${l}`, fileShape: [GH, I], arenaName: `l${l}.W`, arenaShape: [I, GH], transposed: true, noise: true, init: 'uniform', layer: l, role: 'W' });
    add({ name: `weight_hh_l${l}`, fileShape: [GH, H], arenaName: `l${l}.U`, arenaShape: [H, GH], transposed: true, noise: true, init: c.recurrentInit === 'uniform' ? 'uniform' : 'orthogonal', layer: l, role: 'U' });
    add({ name: `bias_ih_l${l}`, fileShape: [GH], arenaName: `l${l}.bih`, arenaShape: [GH], transposed: false, noise: false, init: 'zeros', layer: l, role: 'bih' });
    add({ name: `bias_hh_l${l}`, fileShape: [GH], arenaName: `l${l}.bhh`, arenaShape: [GH], transposed: false, noise: false, init: 'zeros', layer: l, role: 'bhh' });
    if (c.peepholes) add({ name: `weight_peephole_l${l}`, fileShape: [3, H], arenaName: `l${l}.peep`, arenaShape: [3 * H], transposed: false, noise: false, init: 'uniform', layer: l, role: 'peep' });
  }
  if (O === 0) return out; // no head: the recurrent layers only
  add({ name: 'head.weight', fileShape: [O, H], arenaName: 'head.V', arenaShape: [H, O], transposed: true, noise: false, init: 'uniform', layer: -1, role: 'V' });
  add({ name: 'head.bias', fileShape: [O], arenaName: 'head.c', arenaShape: [O], transposed: false, noise: false, init: 'zeros', layer: -1, role: 'c' });
  return out;
}

/** The parameter arena: each tensor of the table 64-byte aligned, in table order. */
export function paramLayout(table: ParamSpec[]): Layout {
  const layout = new Layout();
  for (const s of table) layout.add(s.arenaName, s.arenaShape);
  return layout;
}

/** Parameters of the recurrent layers, counting both bias vectors (as PyTorch does). */
export function recurrentParamCount(c: ResolvedConfig): number {
  return paramTable(c).filter((s) => s.layer >= 0).reduce((n, s) => n + s.size, 0);
}
