// Shared by the export tests: Ansible's OWN YAML loader (the one
// ansible-playbook uses, from the Debian package ansible-core) to read what
// we wrote, and real ansible-playbook runs with every bit of Ansible state in
// a temp dir, connection local, no facts, no network.

import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ANSIBLE_PLAYBOOK = ['/usr/bin/ansible-playbook'].find((p) => fs.existsSync(p)) ?? null;

/** The interpreter ansible-playbook runs on (its shebang), where the ansible package lives. */
export const ANSIBLE_PYTHON = (() => {
  if (!ANSIBLE_PLAYBOOK) return null;
  const m = /^#!\s*(\S+)/.exec(fs.readFileSync(ANSIBLE_PLAYBOOK, 'utf8').split('\n')[0]);
  return m ? m[1] : null;
})();

const LOADER = `
import json, sys
from ansible.parsing.yaml.loader import AnsibleLoader
from ansible.utils.unsafe_proxy import AnsibleUnsafe
def conv(x):
    if isinstance(x, AnsibleUnsafe):
        return {'__unsafe__': str(x)}
    if isinstance(x, dict):
        return {str(k): conv(v) for k, v in x.items()}
    if isinstance(x, list):
        return [conv(v) for v in x]
    if isinstance(x, str):
        return str(x)
    return x
out = []
for doc in json.load(sys.stdin):
    try:
        out.append({'ok': conv(AnsibleLoader(doc).get_single_data())})
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e)})
json.dump(out, sys.stdout)
`;

export type Loaded = { ok: unknown } | { error: string };

/** Load YAML texts with Ansible's loader. Values tagged !unsafe come back as { __unsafe__: text }. */
export function ansibleLoad(docs: string[]): Loaded[] {
  if (!ANSIBLE_PYTHON) throw new Error('ansible-core is not installed');
  const out = execFileSync(ANSIBLE_PYTHON, ['-c', LOADER], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out) as Loaded[];
}

export function loadOne(doc: string): unknown {
  const [r] = ansibleLoad([doc]);
  if ('error' in r) throw new Error(r.error);
  return r.ok;
}

/** The loaded value with !unsafe markers removed (for structural comparisons). */
export function plain(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.__unsafe__ === 'string') return o.__unsafe__;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
  }
  return x;
}

export interface PlaybookRun {
  code: number | null;
  output: string;
  recap: { ok: number; changed: number; failed: number; skipped: number; unreachable: number } | null;
}

/** Ansible's state and temp files, in a private temp dir (never ~/.ansible); no user config read. */
export function ansibleEnv(t: { teardown(fn: () => void): void }): NodeJS.ProcessEnv {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-ansible-env-'));
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  fs.writeFileSync(path.join(work, 'ansible.cfg'), '[defaults]\n');
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: work,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ANSIBLE_CONFIG: path.join(work, 'ansible.cfg'),
    ANSIBLE_HOME: path.join(work, 'home'),
    ANSIBLE_LOCAL_TEMP: path.join(work, 'local-tmp'),
    ANSIBLE_REMOTE_TEMP: path.join(work, 'remote-tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_PYTHON_INTERPRETER: ANSIBLE_PYTHON ?? '/usr/bin/python3',
  };
}

/** PLAY RECAP's counters for the one host. */
export function parseRecap(output: string): PlaybookRun['recap'] {
  const m = /^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/m.exec(output.slice(output.lastIndexOf('PLAY RECAP')));
  if (!m || !output.includes('PLAY RECAP')) return null;
  return { ok: +m[1], changed: +m[2], unreachable: +m[3], failed: +m[4], skipped: +m[5] };
}

/** ansible-playbook -i localhost, -c local SITE -e hardtop_root=ROOT [extra]. `wrap` runs it through another program (unshare …). */
export function runPlaybook(env: NodeJS.ProcessEnv, site: string, root: string, extra: string[] = [], wrap: string[] = []): Promise<PlaybookRun> {
  const argv = [ANSIBLE_PLAYBOOK!, '-i', 'localhost,', '-c', 'local', site, '-e', `hardtop_root=${root}`, ...extra];
  const [cmd, ...args] = wrap.length > 0 ? [...wrap, ...argv] : argv;
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', env, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      const output = `${stdout}${stderr}`;
      resolve({ code: typeof code === 'number' ? code : null, output, recap: parseRecap(output) });
    });
  });
}

/** Every entry under a directory: type, mode, owner, and content or link target. For "nothing changed on disk". */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.set(rel, `link ${meta} ${fs.readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${meta}`);
        walk(p);
      } else if (st.isFile()) out.set(rel, `file ${meta} ${fs.readFileSync(p).toString('base64')}`);
      else out.set(rel, `other ${meta}`);
    }
  };
  walk(root);
  return out;
}
