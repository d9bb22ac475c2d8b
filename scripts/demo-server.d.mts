// Types of scripts/demo-server.mjs, for tests/demo.test.ts.
import type { Server } from 'node:http';

export const ROOT: string;
export const OUT: string;
export function ensureLibrary(log?: (message: string) => void): void;
export function buildDemo(options?: { minify?: boolean }): Promise<void>;
export function resolveRequest(root: string, urlPath: string): string | null;
export interface DemoServer {
  /** http://localhost:<port>/ (what to show a person). */
  url: string;
  /** The same by address, e.g. http://127.0.0.1:<port>/ (what a test should load). */
  address: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}
export function startDemo(options?: { port?: number; host?: string; build?: boolean; strictPort?: boolean; log?: (message: string) => void }): Promise<DemoServer>;
