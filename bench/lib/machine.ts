// Which machine the figures come from: they mean little without it.

import * as fs from 'node:fs';
import * as os from 'node:os';

export interface Machine {
  hostname: string;
  os: string;
  kernel: string;
  cpu: string;
  cores: number;
  memoryMiB: number;
  node: string;
  loadAverage: number[];
}

export function describeMachine(): Machine {
  let osName = 'unknown';
  try {
    osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    // keep unknown
  }
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: osName,
    kernel: os.release(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
