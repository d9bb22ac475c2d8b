// Model files: safetensors with PyTorch state_dict names (README "Model files"), and plain
// PyTorch state_dicts (torch.save .pt zips, or safetensors without our metadata) whose config
// is inferred from their tensors (infer.ts).
// Metadata keys: format = "gatedrnn", format_version = "1", config = JSON of the ModelConfig,
// and optionally data = JSON of the model's DataInfo (how its inputs were prepared, e.g. the
// speech normalisation statistics, so that eval and sample prepare data the same way).
import { copyTensors, encodeSafetensors, readSafetensorsHeader, type Tensor } from '../io/safetensors.js';
import { isLegacyTorchPt, isTorchZip, readTorchPt } from '../io/torch-pt.js';
import { parseJsonStrict } from '../io/json-strict.js';
import { MODEL_FILE_LIMITS, MODEL_METADATA_JSON, resolveLimits, type SafetensorsLimits } from '../io/limits.js';
import { ConfigError, FormatError, LimitError } from '../errors.js';
import { resolveConfig, describeConfig, type ResolvedConfig } from './config.js';
import { paramTable, type ParamSpec } from './params.js';
import { inferConfig, type InferredModel, type StateDictOptions } from './infer.js';
import type { HeadConfig } from '../head/types.js';
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

/** How a model file is read: our metadata's config (or `config`), else a config inferred from
 *  a plain PyTorch state_dict's names and shapes with these options (infer.ts). */
export interface ModelFileOptions extends StateDictOptions {
  /** The config to use instead of the file's (or of inference). */
  config?: ModelConfig;
  /** Bounds of the header (defaults: MODEL_FILE_LIMITS). */
  limits?: SafetensorsLimits;
}

/** A model file parsed and checked, ready for modelFromParsed. */
export interface ParsedModelFile { config: ModelConfig; tensors: Map<string, Tensor>; data?: DataInfo; ignored?: string[] }

/** Reads and checks a model file completely before a model is created, cheapest checks first:
 *  the header (bounded by MODEL_FILE_LIMITS, or `limits`), the config (`config`, else the file's
 *  metadata, else inferred from the tensors' names and shapes), that such a model fits in
 *  WebAssembly memory (MemoryError, before any tensor is copied), every tensor's presence and
 *  shape, and only then the data: copied and checked finite. The tensors come back under our
 *  names (weight_ih_l0 …, head.weight, head.bias), biases a bias=False module lacks as zeros. */
export function parseModelFile(bytes: Uint8Array, opts: ModelFileOptions = {}): ParsedModelFile {
  if (!opts || typeof opts !== 'object') throw new ConfigError('model file options must be an object');
  const src = fileSource(bytes, opts);
  const md = src.metadata;
  const data = parseDataInfo(md.data);
  const { config, names, ignored } = fileConfig(src.entries, md, opts);
  let resolved: ResolvedConfig;
  try { resolved = resolveConfig(config); } catch (e) {
    throw new FormatError(`model file: its config is invalid: ${(e as Error).message}`);
  }
  checkModelFits(resolved);
  const table = paramTable(resolved), byName = new Map(src.entries.map((e) => [e.name, e]));
  const wanted: { name: string; shape: number[] }[] = [], zeros: ParamSpec[] = [];
  for (const spec of table) {
    const file = names.get(spec.name);
    const e = file === undefined ? undefined : byName.get(file);
    if (!e) {
      if (file === undefined && (spec.role === 'bih' || spec.role === 'bhh' || spec.role === 'c')) { zeros.push(spec); continue; } // bias=False
      throw new FormatError(`model file: tensor '${file ?? spec.name}' [${spec.fileShape}] is missing for a ${describeConfig(resolved)} model`);
    }
    if (e.shape.length !== spec.fileShape.length || e.shape.some((d, i) => d !== spec.fileShape[i])) {
      throw new FormatError(`model file: tensor '${e.name}' has shape [${e.shape}], the config needs [${spec.fileShape}]`);
    }
    wanted.push(e);
  }
  const fileToOurs = new Map([...names].map(([ours, file]) => [file, ours]));
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of src.read(wanted.map((e) => e.name))) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new FormatError(`model file: tensor '${name}' element ${i} is ${d[i]}`);
    }
    tensors.set(fileToOurs.get(name) ?? name, t);
  }
  for (const spec of zeros) tensors.set(spec.name, { shape: spec.fileShape, data: new Float32Array(spec.size) });
  const out: ParsedModelFile = { config, tensors };
  if (data !== undefined) out.data = data;
  if (ignored.length) out.ignored = ignored;
  return out;
}

/** A model file's tensor names and shapes, metadata, and a reader of the tensors wanted: a
 *  safetensors file (header first, data copied only for the tensors used) or a torch.save zip
 *  (io/torch-pt.ts: read whole, tensors only, nothing executed). */
interface FileSource {
  entries: { name: string; shape: number[] }[];
  metadata: Record<string, string>;
  read(names: string[]): Map<string, Tensor>;
}

function fileSource(bytes: Uint8Array, opts: ModelFileOptions): FileSource {
  if (isTorchZip(bytes) || isLegacyTorchPt(bytes)) {
    const tensors = readTorchPt(bytes);
    return {
      entries: [...tensors].map(([name, t]) => ({ name, shape: t.shape })), metadata: {},
      read: (names) => new Map(names.map((n) => [n, tensors.get(n)!])),
    };
  }
  const header = readSafetensorsHeader(bytes, resolveLimits(MODEL_FILE_LIMITS, opts.limits ?? {}, 'model file'));
  return {
    entries: header.entries, metadata: header.metadata,
    read: (names) => { const want = new Set(names); return copyTensors(bytes, { ...header, entries: header.entries.filter((e) => want.has(e.name)) }).tensors; },
  };
}

/** The file's config and which file tensor is which of ours: `config`, our metadata, or
 *  inference; with our config, exactly our names are expected (under `prefix`/`headPrefix`). */
function fileConfig(entries: { name: string; shape: number[] }[], md: Record<string, string>, opts: ModelFileOptions): InferredModel {
  let cfg = opts.config;
  if (!cfg) {
    if (md.format !== undefined && md.format !== FORMAT) throw new FormatError(`model file: metadata format is '${md.format}', expected '${FORMAT}'`);
    if (md.format_version !== undefined && md.format_version !== FORMAT_VERSION) {
      throw new FormatError(`model file: format_version '${md.format_version}' is not supported (this library reads '${FORMAT_VERSION}')`);
    }
    if (md.config === undefined) return inferConfig(entries, opts, md.format === FORMAT);
    cfg = metadataJson(md.config, 'config') as unknown as ModelConfig;
    if (cfg && typeof cfg === 'object' && cfg.head?.type === 'linear' && opts.head !== undefined) {
      // a plain file saved again before its head type was known: the option names it now
      cfg = { ...cfg, head: { ...(typeof opts.head === 'string' ? { type: opts.head } : opts.head), size: cfg.head.size } as HeadConfig };
    }
  }
  let resolved: ResolvedConfig;
  try { resolved = resolveConfig(cfg); } catch (e) {
    throw new FormatError(`model file: its config is invalid: ${(e as Error).message}`);
  }
  const prefix = opts.prefix ?? '', headPrefix = opts.headPrefix ?? 'head.';
  const names = new Map(paramTable(resolved).map((s) => [s.name, s.layer >= 0 ? prefix + s.name : headPrefix + s.name.slice('head.'.length)]));
  const files = new Set(names.values());
  const ignored = entries.map((e) => e.name).filter((n) => !files.has(n));
  if (ignored.length && (opts.strict ?? true)) {
    throw new FormatError(`model file: unexpected tensor '${ignored[0]}' for a ${describeConfig(resolved)} model${ignored.length > 1 ? ` (and ${ignored.length - 1} more)` : ''}`);
  }
  return { config: cfg, names, ignored };
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

/** A model built from a parsed file on the given core. */
export function modelFromParsed(parsed: ParsedModelFile, core: Core): Model {
  // a model whose every tensor is set below is not initialised first (orthogonal init is O(H³))
  const names = paramTable(resolveConfig(parsed.config)).map((s) => s.name);
  const model = new Model(parsed.config, core, { initParams: !names.every((n) => parsed.tensors.has(n)) });
  if (parsed.data !== undefined) model.data = parsed.data;
  for (const [name, t] of parsed.tensors) model.setParam(name, t.data);
  return model;
}

