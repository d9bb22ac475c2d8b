// PyTorch's own checkpoint files, read without running anything: the `.pt` / `.pth` zip archive
// `torch.save(module.state_dict(), path)` writes (PyTorch ≥ 1.6), tensors only.
//
//   <archive>/data.pkl        a pickle of the state_dict (protocol 2 unless the caller chose another)
//   <archive>/data/<key>      one raw storage per key, stored (never compressed), row-major bytes
//   <archive>/version         the archive format version, in decimal ("3"; not needed here)
//   <archive>/byteorder       "little" or "big" (PyTorch ≥ 2.1; absent means little-endian)
//   …                         others (.format_version, .storage_alignment, .data/…): ignored
//
// A pickle is a program: Python's torch.load imports and calls whatever it names. This reader
// runs data.pkl on the restricted machine of io/pickle.ts (decodePickleWith), whose opcodes only
// build data. The five that import or call (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, BINPERSID) are
// given a meaning here by an allow-list of exactly the names a tensor state_dict uses, each
// mapped to a function written in this file — nothing is ever resolved by name:
//
//   collections.OrderedDict          () → an empty dict (BUILD may then set its `_metadata`,
//                                     the modules' versions, which is dropped)
//   torch._utils._rebuild_tensor_v2  (storage, offset, size, stride, requires_grad, hooks
//                                     [, metadata]) → a tensor: a strided view of a storage
//   torch._utils._rebuild_parameter  (tensor, requires_grad, hooks) → the tensor (an
//                                     nn.Parameter, as dict(model.named_parameters()) saves it)
//   torch.<T>Storage                 a storage type, valid only inside a persistent id
//                                     ('storage', type, key, location, numel) (BINPERSID)
//
// Every other global (os.system, builtins.eval, a model class, numpy…) is refused with a
// FormatError naming module.name and its byte offset, before anything could use it. The other
// calling opcodes (INST, OBJ, NEWOBJ, EXT*, PERSID) stay refused, as in decodePickle.
//
// dtypes. float32 is read as it is. float64, float16 and bfloat16 are converted to float32 the
// way `tensor.float()` does it: float16 and bfloat16 exactly (every such value is a float32),
// float64 rounded to the nearest float32 (ties to even; beyond ±3.4e38 → ±Infinity, as PyTorch
// gives). Integer and bool tensors (BatchNorm's num_batches_tracked, masks, counters) are never
// weights of a recurrent or linear layer: they are checked like every tensor but not read, and
// listed in `skipped` (decodeTorchPt). Complex, quantized and other storage types are refused.
//
// Tensors saved as views (a transposed weight, a slice, views sharing one storage) are read
// through their offset and strides into contiguous row-major arrays; every view is range-checked
// against its storage (offset + Σ (size_d − 1)·stride_d < numel), and every storage entry must
// hold exactly numel·itemsize bytes. The top level must be a dict of tensors (a state_dict).
//
// The zip is read by hand: PyTorch writes every entry stored (so that storages can be mapped
// in place), so a compressed entry is refused, never inflated — there is nothing to bomb. The
// central directory (zip64 too) is checked before any entry is read (TORCH_PT_LIMITS in
// io/limits.ts: entry count, each entry's and the total size, then pickle opcodes and values,
// tensor count, rank and elements): names are unique and under one archive folder, each local
// header agrees with the directory, entries do not overlap, and the CRC-32 of every entry read
// is verified (a CRC of 0 is taken as "not computed", as torch.save writes it after
// torch.serialization.set_crc32_options(False)). A legacy file (PyTorch < 1.6, or
// `_use_new_zipfile_serialization=False`: pickles followed by raw storages) and a TorchScript
// archive (torch.jit.save: code) are refused with a message saying how to re-save the file.
// Platform-neutral: no Node built-ins.
import { FormatError, MemoryError, ValueError } from '../errors.js';
import { TORCH_PT_LIMITS, limitError, resolveLimits, type TorchPtLimits } from './limits.js';
import { PickleObject, decodePickleWith, type PickleData, type PickleExtension, type PickleFail } from './pickle.js';
import type { Tensor } from './safetensors.js';

export type { TorchPtLimits };

/** A tensor of an integer or bool dtype, checked but not read. */
export interface SkippedTensor {
  name: string;
  dtype: string;
  shape: number[];
}

export interface TorchPtFile {
  /** The float tensors, as float32, in the order of the state_dict. */
  tensors: Map<string, Tensor>;
  /** The dtype each tensor of `tensors` had in the file ('float32', 'float64', 'float16', 'bfloat16'). */
  dtypes: Map<string, string>;
  /** Integer and bool tensors, not read. */
  skipped: SkippedTensor[];
}

const WHERE = 'torch .pt';
const bad = (msg: string): never => { throw new FormatError(`${WHERE}: ${msg}`); };
const q = (s: string): string => JSON.stringify(s);

/** True when `bytes` starts like a zip archive (what torch.save has written since PyTorch 1.6). */
export function isTorchZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The legacy torch.save magic number 0x1950a86a20f9469cfc6c, as pickle's LONG1 writes it. */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** True when `bytes` is a legacy (pre-zip) torch.save file: a pickle whose first value is
 *  torch's magic number. readTorchPt refuses it with a message saying how to re-save it. */
export function isLegacyTorchPt(bytes: Uint8Array): boolean {
  if (bytes.length < 2 + LEGACY_MAGIC.length || bytes[0] !== 0x80) return false;
  // PROTO n, then (protocol ≥ 4) maybe a 9-byte FRAME, then the magic number
  for (const at of [2, 11]) {
    if (LEGACY_MAGIC.every((b, k) => bytes[at + k] === b)) return true;
  }
  return false;
}

/** The float tensors of a `.pt` state_dict (see decodeTorchPt). */
export function readTorchPt(bytes: Uint8Array, limits?: TorchPtLimits): Map<string, Tensor> {
  return decodeTorchPt(bytes, limits).tensors;
}

/** Reads a `.pt` zip checkpoint holding a state_dict: every float tensor as float32 (row-major,
 *  contiguous), with the dtypes they had and the integer tensors left out. FormatError (or
 *  LimitError) naming the problem for anything else. */
export function decodeTorchPt(bytes: Uint8Array, limits: TorchPtLimits = {}): TorchPtFile {
  if (!(bytes instanceof Uint8Array)) throw new ValueError('readTorchPt: expected a Uint8Array');
  const lim = resolveLimits(TORCH_PT_LIMITS, limits, WHERE);
  if (!isTorchZip(bytes)) refuseNotZip(bytes);
  const zip = readZipDirectory(bytes, lim);
  const archive = archiveName(zip);
  const byteorder = readByteorder(bytes, zip, archive);
  const pkl = zip.get(`${archive}/data.pkl`)!;
  const unpickler = new TorchUnpickler(lim);
  const root = decodePickleWith(entryBytes(bytes, pkl), {
    maxValues: lim.maxPickleValues, maxContainers: lim.maxPickleValues, maxMemo: lim.maxPickleValues,
  }, {
    where: `${WHERE}: ${pkl.name}`, extension: unpickler, maxOps: lim.maxPickleOps,
    limitNames: { maxValues: 'maxPickleValues', maxContainers: 'maxPickleValues', maxOps: 'maxPickleOps' },
    refusedHint: 'a .pt file is read only as a state_dict of tensors, and nothing is ever executed',
  });
  const list = stateDictTensors(root);
  const storages = checkStorages(bytes, zip, archive, list);
  return toFloat32(list, storages, byteorder === 'little');
}

/** Every storage the tensors name (its entry, size and CRC) and every view of one, checked
 *  before any tensor is allocated. */
function checkStorages(bytes: Uint8Array, zip: Map<string, ZipEntry>, archive: string, list: [string, TensorRef][]): Map<string, Uint8Array> {
  const storages = new Map<string, Uint8Array>();
  for (const [name, t] of list) {
    let data = storages.get(t.storage.key);
    if (data === undefined) {
      const e = zip.get(`${archive}/data/${t.storage.key}`);
      if (e === undefined) bad(`tensor ${q(name)}: its storage ${q(t.storage.key)} has no entry ${q(`${archive}/data/${t.storage.key}`)} in the archive`);
      data = entryBytes(bytes, e!);
      const want = t.storage.numel * t.storage.dtype.size;
      if (data.length !== want) bad(`tensor ${q(name)}: storage ${q(t.storage.key)} holds ${data.length} bytes, but its ${t.storage.numel} elements of ${t.storage.dtype.name} need ${want}`);
      storages.set(t.storage.key, data);
    }
    checkView(name, t);
  }
  return storages;
}

/** The float tensors as contiguous float32 arrays; the others listed as skipped. */
function toFloat32(list: [string, TensorRef][], storages: Map<string, Uint8Array>, little: boolean): TorchPtFile {
  const out: TorchPtFile = { tensors: new Map(), dtypes: new Map(), skipped: [] };
  for (const [name, t] of list) {
    const dt = t.storage.dtype;
    if (!dt.float) { out.skipped.push({ name, dtype: dt.name, shape: t.shape.slice() }); continue; }
    let data: Float32Array;
    try { data = new Float32Array(t.elements); } catch {
      // only reachable with maxElements raised past what this engine can allocate
      throw new MemoryError(`${WHERE}: tensor ${q(name)} of ${t.elements} elements (${4 * t.elements} bytes as float32) cannot be allocated`);
    }
    const src = storages.get(t.storage.key)!;
    if (dt.name === 'float32' && little === HOST_LITTLE_ENDIAN && (src.byteOffset & 3) === 0 && isContiguous(t)) {
      data.set(new Float32Array(src.buffer, src.byteOffset + 4 * t.offset, t.elements)); // the usual case: one copy
    } else {
      gather(data, elementReader(src, dt, little), t);
    }
    out.tensors.set(name, { shape: t.shape.slice(), data });
    out.dtypes.set(name, dt.name);
  }
  return out;
}

// --- what is not a zip

function refuseNotZip(bytes: Uint8Array): never {
  const resave = 'Re-save it with PyTorch ≥ 1.6, whose default is the zip format: '
    + 'torch.save(torch.load(old_path, weights_only=True), new_path) (or write safetensors)';
  if (isLegacyTorchPt(bytes)) bad(`this is a legacy torch.save file (PyTorch < 1.6, or _use_new_zipfile_serialization=False: pickles followed by raw storages), which is not read. ${resave}`);
  if (bytes.length > 0 && bytes[0] === 0x80) bad(`this is a bare pickle, not a torch.save zip archive; it is not read. ${resave}`);
  return bad(`not a zip archive (a .pt written by torch.save starts with "PK\\x03\\x04", this one with ${Array.from(bytes.subarray(0, 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ') || 'nothing'})`);
}

// --- the zip archive

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  /** Size in bytes (compressed and uncompressed are equal for the stored entries read). */
  size: number;
  compressed: number;
  /** Offset of the local header, and of the data after it. */
  local: number;
  dataStart: number;
}

const SIG_EOCD = 0x06054b50, SIG_ZIP64_LOCATOR = 0x07064b50, SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50, SIG_LOCAL = 0x04034b50;

/** The central directory, every entry checked against the limits and its local header, before
 *  any entry's data is looked at. */
function readZipDirectory(bytes: Uint8Array, lim: Required<TorchPtLimits>): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 22) bad(`zip: the file is ${n} bytes, shorter than a zip's end record`);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number, what: string): number => {
    const hi = u32(at + 4);
    if (hi > 0x1fffff) bad(`zip: ${what} is beyond 2^53`);
    return hi * 4294967296 + u32(at);
  };

  // the end-of-central-directory record: the last 22 bytes, or before a comment of ≤ 65535
  let eocd = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - 65535); at--) {
    if (u32(at) === SIG_EOCD && at + 22 + u16(at + 20) === n) { eocd = at; break; }
  }
  if (eocd < 0) bad('zip: no end-of-central-directory record (a truncated or damaged file?)');
  let disk = u16(eocd + 4), cdDisk = u16(eocd + 6);
  let count = u16(eocd + 10), countOnDisk = u16(eocd + 8);
  let cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16);
  let cdEnd = eocd;
  if (eocd >= 20 && u32(eocd - 20) === SIG_ZIP64_LOCATOR) {
    const at = u64(eocd - 20 + 8, 'the zip64 record offset');
    if (at > eocd - 20 - 56 || u32(at) !== SIG_ZIP64_EOCD) bad('zip: the zip64 end-of-central-directory locator points at no zip64 record');
    disk = u32(at + 16); cdDisk = u32(at + 20);
    countOnDisk = u64(at + 24, 'the entry count'); count = u64(at + 32, 'the entry count');
    cdSize = u64(at + 40, 'the central directory size'); cdOffset = u64(at + 48, 'the central directory offset');
    cdEnd = at;
  }
  if (disk !== 0 || cdDisk !== 0 || countOnDisk !== count) bad('zip: archives split over several disks are not read');
  if (count > lim.maxEntries) throw limitError(WHERE, 'zip entries', lim.maxEntries, 'maxEntries');
  if (cdOffset + cdSize > cdEnd) bad(`zip: the central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${cdEnd}`);

  const entries = new Map<string, ZipEntry>();
  const latin1 = new TextDecoder('latin1'), utf8 = new TextDecoder('utf-8', { fatal: true });
  let total = 0;
  let at = cdOffset;
  const cdStop = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdStop || u32(at) !== SIG_CENTRAL) bad(`zip: central directory entry ${i} at byte ${at} is missing or damaged`);
    const flags = u16(at + 8), method = u16(at + 10), crc = u32(at + 16);
    let compressed = u32(at + 20), size = u32(at + 24);
    const nameLen = u16(at + 28), extraLen = u16(at + 30), commentLen = u16(at + 32);
    let entryDisk = u16(at + 34), local = u32(at + 42);
    const next = at + 46 + nameLen + extraLen + commentLen;
    if (next > cdStop) bad(`zip: central directory entry ${i} at byte ${at} runs past the directory`);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLen);
    let name: string;
    try { name = (flags & 0x800 ? utf8 : latin1).decode(rawName); } catch { name = bad(`zip: entry ${i}'s name is not valid UTF-8`); }
    // zip64: the fields written as all ones follow in the extra field 0x0001, in this order
    if (size === 0xffffffff || compressed === 0xffffffff || local === 0xffffffff || entryDisk === 0xffff) {
      let x = at + 46 + nameLen;
      const xEnd = x + extraLen;
      let found = false;
      while (x + 4 <= xEnd) {
        const id = u16(x), len = u16(x + 2);
        if (x + 4 + len > xEnd) break;
        if (id === 0x0001) {
          let f = x + 4;
          const take = (w: number, what: string): number => {
            if (f + w > x + 4 + len) bad(`zip: entry ${q(name)}: its zip64 extra field is too short for the ${what}`);
            const v = w === 8 ? u64(f, what) : u32(f);
            f += w;
            return v;
          };
          if (size === 0xffffffff) size = take(8, 'size');
          if (compressed === 0xffffffff) compressed = take(8, 'compressed size');
          if (local === 0xffffffff) local = take(8, 'local header offset');
          if (entryDisk === 0xffff) entryDisk = take(4, 'disk number');
          found = true;
          break;
        }
        x += 4 + len;
      }
      if (!found) bad(`zip: entry ${q(name)} has 32-bit fields set to all ones but no zip64 extra field`);
    }
    if (entryDisk !== 0) bad('zip: archives split over several disks are not read');
    if (name.length === 0) bad(`zip: central directory entry ${i} has an empty name`);
    if (entries.has(name)) bad(`zip: two entries are named ${q(name)}`);
    if (size > lim.maxEntryBytes) throw limitError(WHERE, `bytes in entry ${q(name)} (it declares ${size})`, lim.maxEntryBytes, 'maxEntryBytes');
    total += size;
    if (total > lim.maxTotalBytes) throw limitError(WHERE, 'bytes in all zip entries', lim.maxTotalBytes, 'maxTotalBytes');
    if (flags & 0x1) bad(`zip: entry ${q(name)} is encrypted`);

    // the local header must agree with the directory; the data follows it
    if (local + 30 > cdOffset || u32(local) !== SIG_LOCAL) bad(`zip: entry ${q(name)}: no local header at byte ${local}`);
    const lNameLen = u16(local + 26), lExtraLen = u16(local + 28);
    const dataStart = local + 30 + lNameLen + lExtraLen;
    if (u16(local + 8) !== method || lNameLen !== nameLen || !rawName.every((b, k) => bytes[local + 30 + k] === b)) {
      bad(`zip: entry ${q(name)}: its local header at byte ${local} does not match the central directory`);
    }
    if (dataStart + compressed > cdOffset) bad(`zip: entry ${q(name)}: its ${compressed} bytes at byte ${dataStart} run past the start of the central directory (a truncated file?)`);
    entries.set(name, { name, method, crc, size, compressed, local, dataStart });
    at = next;
  }
  // entries may not share bytes (a zip "bomb" by overlap makes many entries of one region)
  const sorted = [...entries.values()].sort((a, b) => a.local - b.local);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    if (sorted[k].local < prev.dataStart + prev.compressed) bad(`zip: entries ${q(prev.name)} and ${q(sorted[k].name)} overlap`);
  }
  return entries;
}

/** The one folder every entry of a torch.save archive is in (the file's name or "archive"). */
function archiveName(zip: Map<string, ZipEntry>): string {
  const first = zip.keys().next();
  if (first.done) bad('the zip archive is empty');
  const slash = first.value!.indexOf('/');
  if (slash <= 0) bad(`entry ${q(first.value!)} is not in an archive folder: not a torch.save archive`);
  const archive = first.value!.slice(0, slash);
  for (const name of zip.keys()) {
    if (!name.startsWith(`${archive}/`)) bad(`entry ${q(name)} is outside the archive folder ${q(archive)}: not a torch.save archive`);
  }
  if (zip.has(`${archive}/constants.pkl`) || [...zip.keys()].some((k) => k.startsWith(`${archive}/code/`))) {
    bad('this is a TorchScript archive (torch.jit.save), which holds code; it is not read. Save the weights with torch.save(model.state_dict(), path) instead');
  }
  if (!zip.has(`${archive}/data.pkl`)) bad(`no ${q(`${archive}/data.pkl`)} in the archive: not a torch.save archive`);
  return archive;
}

/** An entry's bytes (a view of the input), stored and with its CRC-32 checked. */
function entryBytes(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  if (e.method !== 0) {
    bad(`entry ${q(e.name)} is compressed (${e.method === 8 ? 'deflate' : `method ${e.method}`}); torch.save stores every entry uncompressed, and compressed entries are not read (nothing is inflated)`);
  }
  if (e.compressed !== e.size) bad(`entry ${q(e.name)} is stored but declares ${e.compressed} bytes on disk and ${e.size} uncompressed`);
  const data = bytes.subarray(e.dataStart, e.dataStart + e.size);
  if (e.crc !== 0 && crc32(data) !== e.crc) bad(`entry ${q(e.name)}: its CRC-32 does not match its data (the file is damaged)`);
  return data;
}

function readByteorder(bytes: Uint8Array, zip: Map<string, ZipEntry>, archive: string): 'little' | 'big' {
  const e = zip.get(`${archive}/byteorder`);
  if (e === undefined) return 'little';
  if (e.size > 16) bad(`${q(e.name)} is ${e.size} bytes, expected "little" or "big"`);
  const text = String.fromCharCode(...entryBytes(bytes, e)).trim();
  if (text !== 'little' && text !== 'big') bad(`${q(e.name)} says ${q(text)}, expected "little" or "big"`);
  return text as 'little' | 'big';
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zip uses it). */
function crc32(b: Uint8Array): number {
  let t = CRC_TABLE;
  if (t === undefined) {
    t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    CRC_TABLE = t;
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = t[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// --- the restricted unpickler

interface DType {
  /** PyTorch's name of the dtype. */
  name: string;
  /** Bytes per element. */
  size: number;
  /** Read (converted to float32) when true; skipped when false. */
  float: boolean;
}

/** The storage types of torch.<T>Storage that may appear in a persistent id. */
const STORAGE_TYPES = new Map<string, DType>([
  ['FloatStorage', { name: 'float32', size: 4, float: true }],
  ['DoubleStorage', { name: 'float64', size: 8, float: true }],
  ['HalfStorage', { name: 'float16', size: 2, float: true }],
  ['BFloat16Storage', { name: 'bfloat16', size: 2, float: true }],
  ['LongStorage', { name: 'int64', size: 8, float: false }],
  ['IntStorage', { name: 'int32', size: 4, float: false }],
  ['ShortStorage', { name: 'int16', size: 2, float: false }],
  ['CharStorage', { name: 'int8', size: 1, float: false }],
  ['ByteStorage', { name: 'uint8', size: 1, float: false }],
  ['BoolStorage', { name: 'bool', size: 1, float: false }],
]);

type Call = (u: TorchUnpickler, args: PickleData[], fail: PickleFail) => PickleData;

/** The allow-list of callables: (module, name) → the function here that stands for it. */
const CALLABLES = new Map<string, Call>([
  ['collections OrderedDict', (u, args, fail) => u.orderedDict(args, fail)],
  ['torch._utils _rebuild_tensor_v2', (u, args, fail) => u.rebuildTensor(args, fail)],
  ['torch._utils _rebuild_parameter', (u, args, fail) => u.rebuildParameter(args, fail)],
]);

const ALLOWED = 'collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and '
  + `torch.{${[...STORAGE_TYPES.keys()].join(', ')}}`;

/** An allow-listed global: a callable of CALLABLES or a storage type. */
class TorchGlobal extends PickleObject {
  constructor(readonly qualname: string, readonly call?: Call, readonly dtype?: DType) { super(); }
  describe(): string { return `global ${this.qualname}`; }
}

/** A storage named by a persistent id: its entry key, dtype and element count. */
class StorageRef extends PickleObject {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number) { super(); }
  describe(): string { return `storage ${q(this.key)} (${this.numel} × ${this.dtype.name})`; }
}

/** A tensor: a strided view of a storage. */
class TensorRef extends PickleObject {
  /** `seq`: the order it was built in, which is the state_dict's order (a JavaScript object
   *  lists integer-like keys such as "0" first, whatever order they were set in). */
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[], readonly elements: number, readonly seq: number) { super(); }
  describe(): string { return `a tensor [${this.shape.join(', ')}] of ${this.storage.dtype.name}`; }
}

/** The PickleExtension that gives GLOBAL, BINPERSID, REDUCE and BUILD their restricted meaning. */
class TorchUnpickler implements PickleExtension {
  private readonly ordered = new WeakSet<object>();
  private readonly storages = new Map<string, StorageRef>();
  private tensors = 0;
  private elements = 0;
  constructor(private readonly lim: Required<TorchPtLimits>) {}

  global(module: string, name: string, fail: PickleFail): PickleObject {
    const qualname = `${module}.${name}`;
    const call = CALLABLES.get(`${module} ${name}`);
    if (call !== undefined) return new TorchGlobal(qualname, call);
    const dtype = module === 'torch' ? STORAGE_TYPES.get(name) : undefined;
    if (dtype !== undefined) return new TorchGlobal(qualname, undefined, dtype);
    let hint = '';
    if (module === 'torch' && name.endsWith('Storage')) hint = ' (a storage type this reader does not convert to float32)';
    else if (module.startsWith('__torch__')) hint = ' (TorchScript: save model.state_dict() with torch.save instead)';
    else if (module.startsWith('torch.nn.') || module === '__main__') hint = ' (a whole module object: save model.state_dict() instead of the model)';
    return fail(`refused global ${q(qualname)}${hint}: a .pt file is read only as a state_dict of tensors, whose pickle names nothing but ${ALLOWED}; nothing is imported or executed`);
  }

  persistentLoad(pid: PickleData, fail: PickleFail): PickleData {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      fail("a persistent id must be the tuple ('storage', storage type, key, location, numel)");
    }
    const [, type, key, location, numel] = pid as PickleData[];
    if (!(type instanceof TorchGlobal) || type.dtype === undefined) return fail(`a persistent id names ${describeValue(type)}, not a storage type`);
    if (typeof key !== 'string' || key.length === 0) return fail('a persistent id\'s key is not a non-empty string');
    if (typeof location !== 'string') return fail('a persistent id\'s location is not a string');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) return fail(`a persistent id's element count ${describeValue(numel)} is not a non-negative integer`);
    const known = this.storages.get(key);
    if (known !== undefined) {
      if (known.dtype !== type.dtype || known.numel !== numel) fail(`storage ${q(key)} is named twice, as ${known.numel} × ${known.dtype.name} and as ${numel} × ${type.dtype.name}`);
      return known;
    }
    const ref = new StorageRef(key, type.dtype, numel);
    this.storages.set(key, ref);
    return ref;
  }

  reduce(callable: PickleData, args: PickleData[], fail: PickleFail): PickleData {
    if (!(callable instanceof TorchGlobal) || callable.call === undefined) return fail(`${describeValue(callable)} cannot be called`);
    return callable.call(this, args, fail);
  }

  build(obj: PickleData, state: PickleData, fail: PickleFail): void {
    // OrderedDict's instance attributes: a state_dict's `_metadata` (module versions), dropped
    if (typeof obj === 'object' && obj !== null && this.ordered.has(obj) && isDict(state)) return;
    fail(`only a state_dict's attributes (a dict) can be set on an OrderedDict; found ${describeValue(state)} for ${describeValue(obj)}`);
  }

  orderedDict(args: PickleData[], fail: PickleFail): PickleData {
    if (args.length !== 0) fail(`collections.OrderedDict is called with ${args.length} arguments; only OrderedDict() is read`);
    const d = Object.create(null) as { [key: string]: PickleData };
    this.ordered.add(d);
    return d;
  }

  rebuildTensor(args: PickleData[], fail: PickleFail): PickleData {
    if (args.length !== 6 && args.length !== 7) fail(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
    const [storage, offset, size, stride, requiresGrad, hooks, metadata] = args;
    if (!(storage instanceof StorageRef)) return fail(`_rebuild_tensor_v2: the storage is ${describeValue(storage)}`);
    const off = nonNegative(offset, 'storage offset', fail);
    const shape = intTuple(size, 'size', fail);
    const strides = intTuple(stride, 'stride', fail);
    if (shape.length > this.lim.maxRank) throw limitError(WHERE, `dimensions in one tensor (rank ${shape.length})`, this.lim.maxRank, 'maxRank');
    if (strides.length !== shape.length) fail(`_rebuild_tensor_v2: size [${shape.join(', ')}] and stride [${strides.join(', ')}] differ in length`);
    if (typeof requiresGrad !== 'boolean') fail(`_rebuild_tensor_v2: requires_grad is ${describeValue(requiresGrad)}`);
    if (!isDict(hooks) || Object.keys(hooks).length > 0) fail('_rebuild_tensor_v2: backward hooks are not read (an empty OrderedDict expected)');
    if (args.length === 7 && metadata !== null && !(isDict(metadata) && Object.keys(metadata).length === 0)) {
      fail('_rebuild_tensor_v2: tensor metadata (a conjugate or negative bit…) is not read');
    }
    if (++this.tensors > this.lim.maxTensors) throw limitError(WHERE, 'tensors', this.lim.maxTensors, 'maxTensors');
    let elements = 1;
    for (const d of shape) elements *= d; // each d ≤ 2^53 and the product is compared at once
    if (!(this.elements + elements <= this.lim.maxElements)) throw limitError(WHERE, 'tensor elements in all', this.lim.maxElements, 'maxElements');
    this.elements += elements;
    return new TensorRef(storage, off, shape, strides, elements, this.tensors);
  }

  rebuildParameter(args: PickleData[], fail: PickleFail): PickleData {
    const [data, requiresGrad, hooks] = args;
    if (args.length !== 3 || !(data instanceof TensorRef) || typeof requiresGrad !== 'boolean' || !isDict(hooks) || Object.keys(hooks).length > 0) {
      fail('_rebuild_parameter takes (tensor, requires_grad, empty backward hooks)');
    }
    return data;
  }
}

const isDict = (v: PickleData | undefined): v is { [key: string]: PickleData } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof PickleObject);

function describeValue(v: PickleData | undefined): string {
  if (v === undefined || v === null) return 'None';
  if (v instanceof PickleObject) return v.describe();
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'a dict';
  if (typeof v === 'string') return `str ${q(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : 'bool'} ${String(v)}`;
}

function nonNegative(v: PickleData | undefined, what: string, fail: PickleFail): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`_rebuild_tensor_v2: the ${what} ${describeValue(v)} is not a non-negative integer`);
  return v as number;
}

function intTuple(v: PickleData | undefined, what: string, fail: PickleFail): number[] {
  if (!Array.isArray(v)) return fail(`_rebuild_tensor_v2: the ${what} is ${describeValue(v)}, not a tuple`);
  return v.map((x) => nonNegative(x, `${what} element`, fail));
}

/** The top level: a dict of tensors. */
function stateDictTensors(root: PickleData): [string, TensorRef][] {
  if (root instanceof TensorRef) bad('data.pkl holds a single tensor; only a state_dict (a dict of named tensors) is read: torch.save({"name": tensor}, path)');
  if (!isDict(root)) bad(`data.pkl holds ${describeValue(root)}; only a state_dict (a dict of tensors, as module.state_dict() gives) is read`);
  const out: [string, TensorRef][] = [];
  for (const [name, v] of Object.entries(root as { [key: string]: PickleData })) {
    if (!(v instanceof TensorRef)) {
      bad(`key ${q(name)} holds ${describeValue(v)}, not a tensor; only a state_dict (a dict of tensors) is read. `
        + 'Save torch.save(model.state_dict(), path) rather than a checkpoint of several things');
    }
    out.push([name, v as TensorRef]);
  }
  // the pickle builds each value right after its key (a tensor shared by two keys, tied
  // weights, keeps the place of its first key)
  return out.sort((a, b) => a[1].seq - b[1].seq);
}

// --- reading a view of a storage

/** Every element of the view lies inside its storage. */
function checkView(name: string, t: TensorRef): void {
  const numel = t.storage.numel;
  if (t.elements === 0) {
    if (t.offset > numel) bad(`tensor ${q(name)}: storage offset ${t.offset} is past the end of storage ${q(t.storage.key)} (${numel} elements)`);
    return;
  }
  let last = t.offset;
  for (let d = 0; d < t.shape.length; d++) last += (t.shape[d] - 1) * t.stride[d];
  if (!(last < numel)) {
    bad(`tensor ${q(name)}: shape [${t.shape.join(', ')}], stride [${t.stride.join(', ')}] and offset ${t.offset} reach element ${last} of storage ${q(t.storage.key)}, which holds ${numel}`);
  }
}

/** Row-major without gaps (how every tensor of a freshly built module is stored). */
function isContiguous(t: TensorRef): boolean {
  let k = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== k) return false;
    k *= t.shape[d];
  }
  return true;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const BF16 = new Uint32Array(1), BF16_F = new Float32Array(BF16.buffer);

/** Element i of a storage, as a number (float32, float64 rounded later, float16, bfloat16), or
 *  the storage itself as a Float32Array when it can be indexed in place. */
function elementReader(data: Uint8Array, dt: DType, little: boolean): Float32Array | ((i: number) => number) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (dt.name) {
    case 'float32':
      if (little === HOST_LITTLE_ENDIAN && (data.byteOffset & 3) === 0) {
        return new Float32Array(data.buffer, data.byteOffset, data.byteLength >> 2); // read directly
      }
      return (i) => view.getFloat32(4 * i, little);
    case 'float64': return (i) => view.getFloat64(8 * i, little);
    case 'float16': {
      const table = halfTable();
      const u = u16View(data, little);
      return u ? (i) => table[u[i]] : (i) => table[view.getUint16(2 * i, little)];
    }
    case 'bfloat16': {
      const u = u16View(data, little);
      if (u) return (i) => { BF16[0] = u[i] << 16; return BF16_F[0]; };
      return (i) => { BF16[0] = view.getUint16(2 * i, little) << 16; return BF16_F[0]; };
    }
    default: return bad(`dtype ${dt.name} is not read`);
  }
}

/** The storage as 16-bit words in place, when aligned and in the host's byte order. */
function u16View(data: Uint8Array, little: boolean): Uint16Array | undefined {
  return little === HOST_LITTLE_ENDIAN && (data.byteOffset & 1) === 0 ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1) : undefined;
}

let HALF_TABLE: Float32Array | undefined;

/** Every binary16 value as float32, by its bits (256 KiB, built on first use). */
function halfTable(): Float32Array {
  if (HALF_TABLE === undefined) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  return HALF_TABLE;
}

/** IEEE binary16 → number (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** Copies the view (offset, shape, stride) into `out` in row-major order; assigning to the
 *  Float32Array rounds float64 values to the nearest float32. */
function gather(out: Float32Array, src: Float32Array | ((i: number) => number), t: TensorRef): void {
  const { shape, stride } = t;
  const rank = shape.length;
  const direct = src instanceof Float32Array ? src : undefined;
  const read = src instanceof Float32Array ? (i: number) => src[i] : src;
  if (out.length === 0) return;
  if (rank === 0) { out[0] = read(t.offset); return; }
  const inner = shape[rank - 1], step = stride[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let base = t.offset, k = 0;
  while (k < out.length) {
    if (direct) for (let j = 0, s = base; j < inner; j++, s += step) out[k++] = direct[s];
    else for (let j = 0, s = base; j < inner; j++, s += step) out[k++] = read(s);
    for (let d = rank - 2; d >= 0; d--) {
      base += stride[d];
      if (++idx[d] < shape[d]) break;
      base -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
}
