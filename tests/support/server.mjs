// Starts a real flotilla-server (the release build) on a free loopback port with a fresh data
// directory, for tests and examples. Resolves once the server printed its address.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const serverBinary = join(repoRoot, 'target', 'release', 'flotilla-server');

/** The first API key in a data directory's key file. */
export function readApiKey(dataDir) {
  return JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')).keys[0].key;
}

/**
 * `keys`: API key entries to write before the first start (else the dev key is generated).
 * `port`: a fixed port (to restart a server where clients expect it).
 * @param {{ dataDir?: string, args?: string[], keys?: object[], port?: number }} [options]
 * @returns {Promise<{ baseUrl: string, apiKey: string, dataDir: string, process: import('node:child_process').ChildProcess, stop: () => Promise<void> }>}
 */
export async function startServer(options = {}) {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'flotilla-test-'));
  if (options.keys) writeFileSync(join(dataDir, 'api-keys.json'), JSON.stringify({ keys: options.keys }));
  const child = spawn(serverBinary, ['--port', String(options.port ?? 0), '--data-dir', dataDir, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`flotilla-server did not start:\n${stderr}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`flotilla-server exited (${code}):\n${stderr}`)); });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { baseUrl, apiKey: readApiKey(dataDir), dataDir, process: child, stop };
}
