// ssh.client.harden must not break outgoing automated ssh. The scenario: a
// server offers ed25519 AND ecdsa host keys, and this machine's known_hosts
// has only its ECDSA key (recorded years ago). ssh prefers the key types it
// already knows (sshconnect2.c use_known_hosts_order) — but only while
// HostKeyAlgorithms is unset or starts with - or +. An explicit list makes it
// ask for ed25519 first, and a BatchMode / StrictHostKeyChecking=yes job
// (backups, git, Ansible) dies with "Host key verification failed".
//
// Everything real: the test's own sshd on 127.0.0.1 (test/helpers/sshd.ts),
// the fix planned and applied on a copy of the ssh-client-weak root with a
// universal `HostKeyAlgorithms +ssh-rsa` (so the fix has to write
// HostKeyAlgorithms), and the real ssh run with that copy's ssh_config.

import test, { type ExecutionContext } from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientPolicy } from '../../checks/ssh/client-policy';
import { hardenClient, rewriteClientForStage } from '../../checks/ssh/fix-client-harden';
import { applyPlan } from '../../src/fix/engine';
import { canRunRealSshd, freePort, sshRoot, startSshd, testUser, type TestUser } from '../helpers/sshd';
import { copyRoot, ctx, hostFor } from './ssh-server-helpers';

const withSshd = canRunRealSshd ? test.serial : test.serial.skip;
const DROP_IN = '/etc/ssh/ssh_config.d/00-hardtop.conf';

/** ROOT's /etc/ssh copied with Includes pointed into the copy (as the fix's validation stages it); the main file's real path. */
function stageClient(t: ExecutionContext, root: string): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-sshkh-'));
  t.teardown(() => fs.rmSync(stage, { recursive: true, force: true }));
  fs.cpSync(path.join(root, 'etc/ssh'), path.join(stage, 'etc/ssh'), { recursive: true });
  for (const rel of fs.readdirSync(path.join(stage, 'etc/ssh'), { recursive: true }) as string[]) {
    const p = path.join(stage, 'etc/ssh', rel);
    if (fs.statSync(p).isFile()) fs.writeFileSync(p, rewriteClientForStage(fs.readFileSync(p, 'utf8'), stage));
  }
  return path.join(stage, 'etc/ssh/ssh_config');
}

/** A BatchMode key login with strict host key checking against `knownHosts` only, reading `config` as the system file. */
function batchLogin(config: string, knownHosts: string, user: TestUser, port: number): Promise<{ ok: boolean; stderr: string }> {
  const args = [
    '-F', config,
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'ConnectTimeout=10',
    '-i', user.key,
    '-p', String(port),
    `${user.name}@127.0.0.1`,
    'echo hardtop-login-ok',
  ];
  return new Promise((resolve) => {
    execFile('/usr/bin/ssh', args, { env: { PATH: '/usr/bin:/bin' }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ ok: !err && String(stdout).includes('hardtop-login-ok'), stderr: String(stderr) });
    });
  });
}

withSshd('a known_hosts entry of another key type keeps working after the fix: HostKeyAlgorithms is written as -weak (the removal form), not as an explicit list', async (t) => {
  t.timeout(120_000);
  const user = testUser(t);
  const port = await freePort();
  const server = sshRoot(t, {
    config: `Port ${port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nHostKey /etc/ssh/ssh_host_ecdsa_key\nPasswordAuthentication no\n`,
    hostKeys: [{ type: 'ed25519' }, { type: 'ecdsa' }],
    users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey] }],
  });
  await startSshd(t, server, port);
  // known_hosts knows the server by its ECDSA key only.
  const ecdsa = fs.readFileSync(path.join(server, 'etc/ssh/ssh_host_ecdsa_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const knownHosts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-kh-')), 'known_hosts');
  t.teardown(() => fs.rmSync(path.dirname(knownHosts), { recursive: true, force: true }));
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${ecdsa}\n`);

  const client = copyRoot(t, 'ssh-client-weak');
  const mainFile = path.join(client, 'etc/ssh/ssh_config');
  fs.writeFileSync(mainFile, fs.readFileSync(mainFile, 'utf8').replace('    Ciphers aes128-cbc,aes256-ctr\n', '    Ciphers aes128-cbc,aes256-ctr\n    HostKeyAlgorithms +ssh-rsa\n'));
  t.true((await batchLogin(stageClient(t, client), knownHosts, user, port)).ok, 'before the fix: the backup job logs in');

  // The hazard, shown with the real client: an explicit list (what the fix used to write).
  const explicitNames = clientPolicy.harden.lists.entries.find((e) => e.keyword === 'HostKeyAlgorithms')!.names;
  const supported = new Set(execFileSync('/usr/bin/ssh', ['-Q', 'HostKeyAlgorithms'], { encoding: 'utf8' }).split('\n'));
  const explicit = path.join(path.dirname(knownHosts), 'explicit_config');
  fs.writeFileSync(explicit, `HostKeyAlgorithms ${explicitNames.filter((n) => supported.has(n)).join(',')}\n`);
  const broken = await batchLogin(explicit, knownHosts, user, port);
  t.false(broken.ok, 'an explicit list asks for ed25519 first');
  t.regex(broken.stderr, /Host key verification failed|No ED25519 host key is known/);

  const host = hostFor(client);
  const plan = await hardenClient.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const ours = plan.edits.find((e) => e.path === DROP_IN)!.after.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.true(ours.includes('HostKeyAlgorithms -ssh-rsa'), ours.join('\n'));
  for (const l of ours.filter((x) => /^(KexAlgorithms|Ciphers|MACs|HostKeyAlgorithms|PubkeyAcceptedAlgorithms|CASignatureAlgorithms) /.test(x))) t.regex(l, /^\S+ -/, `${l}: the removal form`);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));

  const staged = stageClient(t, client);
  const g = execFileSync('/usr/bin/ssh', ['-G', '-F', staged, '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const shown = /^hostkeyalgorithms (.*)$/m.exec(g)?.[1]?.split(',') ?? [];
  const defaults = /^hostkeyalgorithms (.*)$/m.exec(execFileSync('/usr/bin/ssh', ['-G', '-F', 'none', '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1]?.split(',') ?? [];
  t.deepEqual(shown, defaults.filter((n) => n !== 'ssh-rsa'), 'exactly ssh-rsa is gone, in the default order');
  t.false(shown.includes('ssh-rsa'));
  const after = await batchLogin(staged, knownHosts, user, port);
  t.true(after.ok, `after the fix the backup job still logs in: ${after.stderr}`);
});
