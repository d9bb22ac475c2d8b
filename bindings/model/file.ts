// Model files: safetensors with PyTorch state_dict names (README "Model files").
// Metadata keys: format = "gatedrnn", format_version = "1", config = JSON of the ModelConfig,
// and optionally data = JSON of the model's DataInfo (how its inputs were prepared, e.g. the
// speech normalisation statistics, so that eval and sample prepare data the same way).
import { copyTensors, encodeSafetensors, readSafetensorsHeader, type SafetensorsEntry, type Tensor } from '../io/safetensors.js';
import { parseJsonStrict } from '../io/json-strict.js';
import { MODEL_FILE_LIMITS, MODEL_METADATA_JSON, resolveLimits, type SafetensorsLimits } from '../io/limits.js';
import { FormatError, LimitError } from '../errors.js';
import { resolveConfig, describeConfig, type ResolvedConfig } from './config.js';
import { paramTable } from './params.js';
import { checkModelFits } from './arena.js';
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

/** Reads and checks a model file completely before a model is created, cheapest checks first:
 *  the header (bounded by MODEL_FILE_LIMITS, or `limits`), the config (the file's metadata, or
 *  `config` when given), that such a model fits in WebAssembly memory (MemoryError, before any
 *  tensor is copied), every tensor's presence and shape, and only then the data: copied and
 *  checked finite. */
export function parseModelFile(bytes: Uint8Array, config?: ModelConfig, limits: SafetensorsLimits = {}): { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo } {
  const header = readSafetensorsHeader(bytes, resolveLimits(MODEL_FILE_LIMITS, limits, 'model file'));
  const md = header.metadata;
  const data = parseDataInfo(md.data);
  let cfg = config;
  if (!cfg) {
    if (md.format !== undefined && md.format !== FORMAT) throw new FormatError(`model file: metadata format is '${md.format}', expected '${FORMAT}'`);
    if (md.format_version !== undefined && md.format_version !== FORMAT_VERSION) {
      throw new FormatError(`model file: format_version '${md.format_version}' is not supported (this library reads '${FORMAT_VERSION}')`);
    }
    if (md.config === undefined) throw new FormatError('model file: no "config" in __metadata__; pass the ModelConfig explicitly');
    cfg = metadataJson(md.config, 'config') as unknown as ModelConfig;
  }
  let resolved: ResolvedConfig;
  try { resolved = resolveConfig(cfg); } catch (e) {
    throw new FormatError(`model file: its config is invalid: ${(e as Error).message}`);
  }
  checkModelFits(resolved);
  checkEntries(header.entries, resolved);
  const tensors = copyTensors(bytes, header).tensors;
  for (const [name, t] of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new FormatError(`model file: tensor '${name}' element ${i} is ${d[i]}`);
    }
  }
  const out: { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo } = { config: cfg, tensors };
  if (data !== undefined) out.data = data;
  return out;
}

/** A metadata value parsed as strict JSON (no duplicate keys, bounded size and nesting). */
function metadataJson(text: string, key: string): unknown {
  try {
    // strict (duplicate keys refused, size and nesting bounded), then as ordinary objects
    return JSON.parse(JSON.stringify(parseJsonStrict(text, { ...MODEL_METADATA_JSON, what: `model file: __metadata__.${key}` })));
  } catch (e) {
    if (e instanceof LimitError) throw e;
    throw new FormatError(`model file: __metadata__.${key} is not valid JSON (${(e as Error).message})`);
  }
}

/** The `data` metadata: a JSON object with a string `kind` and finite numbers or strings. */
function parseDataInfo(text: string | undefined): DataInfo | undefined {
  if (text === undefined) return undefined;
  const v = metadataJson(text, 'data');
  if (!v || typeof v !== 'object' || Array.isArray(v) || typeof (v as { kind?: unknown }).kind !== 'string') {
    throw new FormatError('model file: __metadata__.data must be a JSON object with a string "kind"');
  }
  const out: Record<string, string | number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) {
      throw new FormatError(`model file: __metadata__.data.${k} must be a finite number or a string`);
    }
    out[k] = x;
  }
  return out as unknown as DataInfo;
}

/** Every tensor the config needs, each with its shape, and nothing else (from the header). */
function checkEntries(entries: SafetensorsEntry[], c: ResolvedConfig): void {
  const want = new Map(paramTable(c).map((s) => [s.name, s.fileShape]));
  const have = new Map(entries.map((e) => [e.name, e.shape]));
  for (const name of have.keys()) {
    if (!want.has(name)) throw new FormatError(`model file: unexpected tensor '${name}' for a ${describeConfig(c)} model`);
  }
  for (const [name, shape] of want) {
    const got = have.get(name);
    if (!got) throw new FormatError(`model file: tensor '${name}' [${shape}] is missing for a ${describeConfig(c)} model`);
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new FormatError(`model file: tensor '${name}' has shape [${got}], the config needs [${shape}]`);
    }
  }
}

/** A model built from a parsed file on the given core. */
export function modelFromParsed(parsed: { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo }, core: Core): Model {
  // a model whose every tensor is set below is not initialised first (orthogonal init is O(H³))
  const names = paramTable(resolveConfig(parsed.config)).map((s) => s.name);
  const model = new Model(parsed.config, core, { initParams: !names.every((n) => parsed.tensors.has(n)) });
  if (parsed.data !== undefined) model.data = parsed.data;
  for (const [name, t] of parsed.tensors) model.setParam(name, t.data);
  return model;
}

