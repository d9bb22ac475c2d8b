// Trained models kept in the browser: one IndexedDB object store of records { id, name, savedAt,
// info, bytes }, the bytes being the model's .safetensors file. A few lines over the raw API
// (each request wrapped in a promise), since the page needs only put, list, get and delete.
import type { ModelInfo } from './protocol.js';

export interface StoredModel {
  id: number;
  name: string;
  savedAt: number;
  info: ModelInfo;
  bytes: Uint8Array;
}

const DB = 'gatedrnn-demo';
const STORE = 'models';
const VERSION = 1;

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export class ModelStore {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (and on first use creates) the database. Rejects where IndexedDB is unavailable
   *  (some private windows), which the page reports and otherwise ignores. */
  static open(): Promise<ModelStore> {
    if (typeof indexedDB === 'undefined') return Promise.reject(new Error('this browser has no IndexedDB'));
    const req = indexedDB.open(DB, VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    };
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(new ModelStore(req.result));
      req.onerror = () => reject(req.error ?? new Error('could not open IndexedDB'));
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page; close it and reload'));
    });
  }

  private tx(mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  /** Stores a model; returns its id. */
  async put(name: string, info: ModelInfo, bytes: Uint8Array): Promise<number> {
    const key = await done(this.tx('readwrite').add({ name, savedAt: Date.now(), info, bytes }));
    return key as number;
  }

  /** Every stored model, newest first (the bytes included: models here are small). */
  async list(): Promise<StoredModel[]> {
    const all = await done(this.tx('readonly').getAll() as IDBRequest<StoredModel[]>);
    return all.sort((a, b) => b.savedAt - a.savedAt || b.id - a.id);
  }

  async get(id: number): Promise<StoredModel | undefined> {
    return done(this.tx('readonly').get(id) as IDBRequest<StoredModel | undefined>);
  }

  async delete(id: number): Promise<void> {
    await done(this.tx('readwrite').delete(id));
  }
}
