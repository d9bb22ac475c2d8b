// Model files: safetensors with PyTorch state_dict names (README "Model files").
// Metadata keys: format = "gatedrnn", format_version = "1", config = JSON of the ModelConfig,
// and optionally data = JSON of the model's DataInfo (how its inputs were prepared, e.g. the
// speech normalisation statistics, so that eval and sample prepare data the same way).
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.js';
import { FormatError } from '../errors.js';
import { resolveConfig, describeConfig, type ResolvedConfig } from './config.js';
import { paramTable } from './params.js';
import { Model } from './model.js';
import type { Core } from '../wasm.js';
import type { DataInfo, ModelConfig } from './types.js';

export const FORMAT = 'gatedrnn';
export const FORMAT_VERSION = '1';

/** The model's parameters and config as a safetensors file. */
export function modelToSafetensors(model: Model): Uint8Array {
  const tensors = new Map<string, Tensor>();
  for (const name of model.paramNames()) tensors.set(name, { shape: model.paramShape(name), data: model.getParam(name) });
  const md: Record<string, string> = { format: FORMAT, format_version: FORMAT_VERSION, config: JSON.stringify(model.publicConfig()) };
  if (model.data !== undefined) md.data = JSON.stringify(model.data);
  return encodeSafetensors(tensors, md);
}

/** Reads and checks a model file completely (config, every tensor's presence, shape and
 *  finiteness) before a model is created; `config` overrides the file's metadata. */
export function parseModelFile(bytes: Uint8Array, config?: ModelConfig): { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo } {
  const file = decodeSafetensors(bytes);
  const data = parseDataInfo(file.metadata.data);
  let cfg = config;
  if (!cfg) {
    const md = file.metadata;
    if (md.format !== undefined && md.format !== FORMAT) throw new FormatError(`model file: metadata format is '${md.format}', expected '${FORMAT}'`);
    if (md.format_version !== undefined && md.format_version !== FORMAT_VERSION) {
      throw new FormatError(`model file: format_version '${md.format_version}' is not supported (this library reads '${FORMAT_VERSION}')`);
    }
    if (md.config === undefined) throw new FormatError('model file: no "config" in __metadata__; pass the ModelConfig explicitly');
    try { cfg = JSON.parse(md.config) as ModelConfig; } catch {
      throw new FormatError('model file: __metadata__.config is not valid JSON');
    }
  }
  let resolved: ResolvedConfig;
  try { resolved = resolveConfig(cfg); } catch (e) {
    throw new FormatError(`model file: its config is invalid: ${(e as Error).message}`);
  }
  const out: { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo } = { config: cfg, tensors: checkTensors(file.tensors, resolved) };
  if (data !== undefined) out.data = data;
  return out;
}

/** The `data` metadata: a JSON object with a string `kind` and finite numbers or strings. */
function parseDataInfo(text: string | undefined): DataInfo | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new FormatError('model file: __metadata__.data is not valid JSON'); }
  if (!v || typeof v !== 'object' || Array.isArray(v) || typeof (v as { kind?: unknown }).kind !== 'string') {
    throw new FormatError('model file: __metadata__.data must be a JSON object with a string "kind"');
  }
  for (const [k, x] of Object.entries(v)) {
    if (!(typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) {
      throw new FormatError(`model file: __metadata__.data.${k} must be a finite number or a string`);
    }
  }
  return v as DataInfo;
}

function checkTensors(tensors: Map<string, Tensor>, c: ResolvedConfig): Map<string, Tensor> {
  const want = new Map(paramTable(c).map((s) => [s.name, s.fileShape]));
  for (const name of tensors.keys()) {
    if (!want.has(name)) throw new FormatError(`model file: unexpected tensor '${name}' for a ${describeConfig(c)} model`);
  }
  for (const [name, shape] of want) {
    const t = tensors.get(name);
    if (!t) throw new FormatError(`model file: tensor '${name}' [${shape}] is missing for a ${describeConfig(c)} model`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new FormatError(`model file: tensor '${name}' has shape [${t.shape}], the config needs [${shape}]`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new FormatError(`model file: tensor '${name}' element ${i} is ${t.data[i]}`);
    }
  }
  return tensors;
}

/** A model built from a parsed file on the given core. */
export function modelFromParsed(parsed: { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo }, core: Core): Model {
  const model = new Model(parsed.config, core);
  if (parsed.data !== undefined) model.data = parsed.data;
  for (const [name, t] of parsed.tensors) model.setParam(name, t.data);
  return model;
}

