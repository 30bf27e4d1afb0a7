// The real `mtrank serve` process: a real socket, start errors as one line, SIGHUP reload, SIGTERM drain → exit 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvRows, FUSION, trainFixtureRun, type FixtureRun } from './fixture.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
let fx: FixtureRun;
beforeAll(async () => {
  fx = await trainFixtureRun({ seed: 4 });
}, 60_000);

function serve(args: string[]): { child: ChildProcess; port: Promise<number>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, port, stderr: () => err };
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.on('exit', (code) => r(code)));

describe('mtrank serve (process)', () => {
  it('start errors are one line and a non-zero exit', async () => {
    const missing = spawnSync(process.execPath, [CLI, 'serve', join(fx.root, 'nope')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^mtrank: .*nope: no such model directory/);

    const blocker: Server = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const busy = spawnSync(process.execPath, [CLI, 'serve', fx.dir, '--port', String(port)], { encoding: 'utf8' });
    blocker.close();
    expect(busy.status).toBe(1);
    expect(busy.stderr).toBe(`mtrank: port ${port} on 127.0.0.1 is already in use\n`);
  }, 30_000);

  it('serves over a real socket, reloads on SIGHUP (refusing a broken artifact), drains on SIGTERM', async () => {
    // A 1 s batching window holds a request in flight while SIGTERM arrives.
    const s = serve([fx.dir, '--port', '0', '--max-wait-ms', '1000']);
    const port = await s.port;
    const url = `http://127.0.0.1:${port}`;
    const candidates = csvRows(fx.csv, 10).map((r) => ({ item_id: r.item_id, tags: r.tags }));
    const rank = async () => {
      const res = await fetch(`${url}/v1/rank`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ context: { user_id: '3' }, candidates }),
      });
      return {
        status: res.status,
        body: (await res.json()) as { items: { score: number }[]; model: { hash: string } },
      };
    };
    const a = await rank();
    expect(a.status).toBe(200);
    expect(a.body.items).toHaveLength(10);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    writeFileSync(join(fx.dir, 'fusion.json'), 'not json');
    s.child.kill('SIGHUP');
    await waitFor(() => /reload refused, still serving the previous model/.test(s.stderr()));
    expect((await rank()).body).toEqual(a.body);

    writeFileSync(join(fx.dir, 'fusion.json'), JSON.stringify({ ...FUSION, weights: { click: 1, cart: 1, order: 1 } }));
    s.child.kill('SIGHUP');
    await waitFor(() => /reloaded /.test(s.stderr()));
    const b = await rank();
    expect(b.status).toBe(200);
    expect(b.body.model.hash).not.toBe(a.body.model.hash);

    const inFlight = rank();
    await new Promise((r) => setTimeout(r, 300)); // received, waiting in the batcher
    s.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await exited(s.child)).toBe(0);
    expect(s.stderr()).toContain('draining');
  }, 90_000);
});

afterAll(() => writeFileSync(join(fx.dir, 'fusion.json'), JSON.stringify(FUSION)));

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}
