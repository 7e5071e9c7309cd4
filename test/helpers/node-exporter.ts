// A REAL prometheus-node-exporter for tests (Debian package
// prometheus-node-exporter), on 127.0.0.1 only, with every collector off but
// the textfile collector, reading a temp directory the test writes into.
// Stopped in teardown. The exporter never writes anything itself.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { freePort } from './nginx';

export const NODE_EXPORTER = ['/usr/bin/prometheus-node-exporter', '/usr/bin/node_exporter'].find((p) => fs.existsSync(p)) ?? null;

export interface RunningExporter {
  port: number;
  textfileDir: string;
  /** GET /metrics over loopback: the text a Prometheus server would scrape. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** GET http://127.0.0.1:PORT/PATH (loopback only, by construction). */
export function getLoopback(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Start the exporter on a free loopback port; retries a few ports if one was taken in between. */
export async function startNodeExporter(textfileDir: string): Promise<RunningExporter> {
  if (!NODE_EXPORTER) throw new Error('prometheus-node-exporter is not installed (Debian package prometheus-node-exporter)');
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      NODE_EXPORTER,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${path.resolve(textfileDir)}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-8192);
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const r = await getLoopback(port, '/metrics').catch(() => null);
      if (r && r.status === 200) {
        return {
          port,
          textfileDir,
          metrics: async () => {
            const m = await getLoopback(port, '/metrics');
            if (m.status !== 200) throw new Error(`/metrics answered ${m.status}`);
            return m.body;
          },
          stop: async () => {
            child.kill('SIGTERM');
            await exited(child);
          },
        };
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited(child);
    lastError = stderr;
  }
  throw new Error(`prometheus-node-exporter did not come up: ${lastError}`);
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: string;
}

/** Samples of the Prometheus text format (label values unescaped). Comment lines skipped. */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable sample line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (const l of (m[2] ?? '').matchAll(re)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: m[3] });
  }
  return out;
}
