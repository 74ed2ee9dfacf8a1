// Harness for running Plaid's official Node SDK against a local Tartan.
//
// startTartan() spawns `tartan serve --ephemeral` on a free loopback port and
// waits for /tartan/health; each Tenant is a fresh client_id on that server.
// The binary comes from TARTAN_BIN (absolute, or relative to the repo root),
// defaulting to target/debug/tartan.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { Configuration, PlaidApi, Products } from 'plaid';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const STARTUP_DEADLINE_MS = 30_000;

// Every Plaid error body carries these keys (values may be null).
export const ERROR_FIELDS = [
  'error_type',
  'error_code',
  'error_message',
  'display_message',
  'request_id',
  'causes',
  'status',
  'documentation_url',
  'suggested_action',
];

export function tartanBinary() {
  const configured = process.env.TARTAN_BIN || 'target/debug/tartan';
  return path.isAbsolute(configured) ? configured : path.join(REPO_ROOT, configured);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startTartan() {
  const binary = tartanBinary();
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new Error(`Tartan binary not found at ${binary}; build it or set TARTAN_BIN`);
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const workdir = mkdtempSync(path.join(tmpdir(), 'tartan-conformance-'));
  const child = spawn(binary, ['serve', '--ephemeral', '--addr', `127.0.0.1:${port}`], {
    cwd: workdir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exitStatus = null;
  exited.then((status) => {
    exitStatus = status;
  });

  const stop = async () => {
    if (exitStatus === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(workdir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let lastProblem = 'no attempt made';
  while (Date.now() < deadline) {
    if (exitStatus !== null) {
      await stop();
      throw new Error(`tartan exited (${JSON.stringify(exitStatus)}) before it was healthy:\n${log}`);
    }
    try {
      const response = await fetch(`${baseUrl}/tartan/health`);
      if (response.status === 200) {
        const health = await response.json();
        return { baseUrl, health, stop, log: () => log };
      }
      lastProblem = `HTTP ${response.status}`;
    } catch (err) {
      lastProblem = String(err.cause ?? err);
    }
    await delay(50); // start-up poll interval only; tests never sleep
  }
  await stop();
  throw new Error(`tartan did not answer /tartan/health within ${STARTUP_DEADLINE_MS} ms (${lastProblem}):\n${log}`);
}

export class Tenant {
  constructor(baseUrl, label) {
    this.baseUrl = baseUrl;
    this.clientId = `test_client_${label}_${randomUUID().slice(0, 12)}`;
    this.secret = `secret_${randomUUID()}`;
    this.api = new PlaidApi(
      new Configuration({
        basePath: baseUrl,
        baseOptions: { headers: { 'PLAID-CLIENT-ID': this.clientId, 'PLAID-SECRET': this.secret } },
      }),
    );
  }

  // --- Tartan control plane (not part of Plaid's API) ---
  async control(method, urlPath, body) {
    const response = await fetch(this.baseUrl + urlPath, {
      method,
      headers: {
        'PLAID-CLIENT-ID': this.clientId,
        'PLAID-SECRET': this.secret,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = await response.json();
    assert.equal(response.status, 200, `${method} ${urlPath}: ${JSON.stringify(payload)}`);
    return payload;
  }

  async now() {
    return new Date((await this.control('GET', '/tartan/clock')).now);
  }

  async advance(seconds) {
    const before = await this.now();
    const after = new Date((await this.control('POST', '/tartan/clock/advance', { seconds })).now);
    assert.ok(after - before >= seconds * 1000, `clock went from ${before.toISOString()} to ${after.toISOString()}`);
    return after;
  }

  async webhookKid() {
    return (await this.control('GET', '/tartan/webhook_key')).kid;
  }

  // --- Plaid helpers ---
  async publicToken(institutionId = 'ins_109508', products = [Products.Auth, Products.Identity, Products.Transactions], options) {
    const request = { institution_id: institutionId, initial_products: products };
    if (options) request.options = options;
    return (await this.api.sandboxPublicTokenCreate(request)).data.public_token;
  }

  async newItem(institutionId, products, options) {
    const publicToken = await this.publicToken(institutionId, products, options);
    const { data } = await this.api.itemPublicTokenExchange({ public_token: publicToken });
    return { accessToken: data.access_token, itemId: data.item_id };
  }
}

// Await an SDK call that must fail; check the HTTP status and the Plaid error body.
export async function expectPlaidError(promise, { status = 400, errorType, errorCode, what = 'call' }) {
  const expected = `${what}: expected ${errorType}/${errorCode}`;
  let error;
  try {
    const result = await promise;
    assert.fail(`${expected}, got success: ${JSON.stringify(result?.data ?? result)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    error = err;
  }
  assert.ok(error.response, `${expected}, got no HTTP response: ${error}`);
  const body = error.response.data;
  assert.equal(error.response.status, status, `${expected} with HTTP ${status}: ${JSON.stringify(body)}`);
  const missing = ERROR_FIELDS.filter((field) => !(field in body));
  assert.deepEqual(missing, [], `${what}: error body lacks fields: ${JSON.stringify(body)}`);
  assert.deepEqual([body.error_type, body.error_code], [errorType, errorCode], `${expected}: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error_message, 'string', `${what}: error_message`);
  assert.ok(typeof body.request_id === 'string' && body.request_id.length > 0, `${what}: request_id`);
  return body;
}

export function assertKeys(object, keys, what) {
  assert.ok(object && typeof object === 'object', `${what} is not an object: ${JSON.stringify(object)}`);
  const missing = keys.filter((key) => !(key in object));
  assert.deepEqual(missing, [], `${what} lacks ${missing.join(', ')}`);
}

/** A tenant of its own on `baseUrl`: seeded, its clock frozen at `start`, with more `settings`. */
export async function frozenTenant(baseUrl, label, { seed, start, settings = {} }) {
  const tenant = new Tenant(baseUrl, label);
  await tenant.control('POST', '/tartan/settings', { seed, ...settings });
  await tenant.control('POST', '/tartan/clock/freeze', {});
  await tenant.control('POST', '/tartan/clock/set', { now: start });
  assert.equal((await tenant.now()).toISOString(), new Date(start).toISOString());
  return tenant;
}

/** Moves a tenant's frozen clock `days` on, checking it moved exactly that far. */
export async function advanceDays(tenant, days) {
  const before = await tenant.now();
  const after = new Date((await tenant.control('POST', '/tartan/clock/advance', { days })).now);
  assert.equal(after - before, days * 86_400_000, `clock went from ${before.toISOString()} to ${after.toISOString()}`);
  return after;
}
