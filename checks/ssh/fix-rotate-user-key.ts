// ssh.rotate-user-key (param user): a new Ed25519 key for one account, added
// to its authorized keys and PROVEN by a real login over loopback, before the
// old keys are offered for removal (ssh.remove-authorized-key).
//
// Nothing here writes into the home as root (SECURITY.md, issue 11): every
// command runs as the account (`runuser -u NAME --`), argv only:
//
//   mkdir -m 0700 ~/.ssh                  when there is none
//   touch + chmod 0600 AUTH               when the file does not exist yet
//   sed -i -e '$a\' AUTH                  when its last line has no newline
//                                         (the appended key would be glued on)
//   ssh-keygen -t ed25519 -f KEY -C TAG   in the embedded terminal: ssh-keygen
//                                         asks the passphrase itself; files
//                                         owned by the account
//   dd if=KEY.pub of=AUTH oflag=append conv=notrunc
//                                         appends exactly the .pub's bytes
//   ssh -i KEY … -p PORT NAME@127.0.0.1 true
//                                         the proof: only that key is offered
//                                         (IdentitiesOnly, no agent, publickey
//                                         only); in the embedded terminal ssh
//                                         asks a passphrase-protected key's
//                                         passphrase itself. Exit 255 is ssh's
//                                         own failure (refused, unreachable);
//                                         any other code means the login
//                                         worked (a nologin shell exits 1)
//
// The key's content only exists once ssh-keygen ran, so authorized_keys is
// changed by commands, not by a FileEdit; undo takes it back with commands
// too, exactly: the appended line carries a unique tag in its comment and
// `sed -i -e '\#TAG$#d'` deletes that line only; the key files are removed;
// a file or directory the fix created is removed again when empty.
// A failure at any step rolls back the same way (the engine runs the undo
// commands once a command ran).
//
// ssh-keygen without a terminal (`hardtop fix` runs commands without one)
// cannot ask and makes a key WITHOUT a passphrase: the result says so.

import { randomBytes } from 'node:crypto';
import type { Command, Fix, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parsePrivateKey } from '../../src/parse/openssh-private-key';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { readMaybeUntrusted } from './keys-accounts';
import { authorizedKeysSetting, expandAuthorizedKeysPattern, inventoryAuthorizedKeys } from './keys-inventory';
import { readPublicKeyLine } from './host-key-publish';
import { loadServerState } from './server-config';
import { listenAddresses, loopbackTarget } from './server-listen';
import { targetAccount, USER_PARAM, type TargetAccount } from './user-key-account';
import { isAtOrBelow } from '../../src/host/host-paths';

export const ROTATE_USER_FIX_ID = 'ssh.rotate-user-key';
const SSH_OWN_FAILURE = 255;

function stamp(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '');
}

/** A comment token sed can match literally (no regex or delimiter characters but '.', escaped). */
export function keyTag(name: string, hostname: string, date: string, token: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return `${clean(name)}@${clean(hostname)}-${date}-hardtop-${token}`;
}

/** sed address deleting exactly the lines that end with " TAG". */
export function tagDeleteScript(tag: string): string {
  return `\\# ${tag.replace(/\./g, '\\.')}$#d`;
}

async function entryState(host: Host, path: string, uid: number): Promise<{ kind: 'absent' } | { kind: 'ok'; dir: boolean } | { kind: 'bad'; why: string }> {
  const st = await host.lstat(path).catch(() => undefined);
  if (st === undefined) return { kind: 'bad', why: `${path} cannot be inspected` };
  if (st === null) return { kind: 'absent' };
  if (st.kind === 'symlink') return { kind: 'bad', why: `${path} is a symlink (not followed in a home directory)` };
  if (st.kind !== 'file' && st.kind !== 'dir') return { kind: 'bad', why: `${path} is a ${st.kind}` };
  if (st.uid !== uid) return { kind: 'bad', why: `${path} is owned by uid ${st.uid}, not the account` };
  return { kind: 'ok', dir: st.kind === 'dir' };
}

async function freshKeyPath(host: Host, dir: string, date: string): Promise<string | null> {
  for (let n = 1; n < 100; n++) {
    const p = `${dir}/id_ed25519_${date}${n === 1 ? '' : `_${n}`}`;
    const a = await host.lstat(p).catch(() => undefined);
    const b = await host.lstat(`${p}.pub`).catch(() => undefined);
    if (a === null && b === null) return p;
  }
  return null;
}

/** What the admin reads after the apply: the new key, whether it has a passphrase, what to do next. */
async function resultLines(host: Host, target: TargetAccount, keyPath: string, authPath: string, proof: string): Promise<string[]> {
  const name = target.account.name;
  const out: string[] = [];
  const pub = await readMaybeUntrusted(host, `${keyPath}.pub`, target.home, 64 * 1024);
  const key = pub.ok ? readPublicKeyLine(pub.text) : null;
  const priv = await readMaybeUntrusted(host, keyPath, target.home, 64 * 1024);
  const facts = priv.ok ? parsePrivateKey(priv.text) : null;
  const protectedText =
    facts?.kind === 'key' ? (facts.facts.encrypted ? 'protected by a passphrase' : 'WITHOUT a passphrase (ssh-keygen had no terminal to ask, or none was given): add one with ssh-keygen -p -f ' + keyPath) : 'passphrase unknown';
  out.push(`new key for ${name}: ${keyPath} (${key ? `Ed25519 ${key.fingerprint}` : 'fingerprint unreadable'}), ${protectedText}`);
  out.push(`added to ${authPath}; ${proof}`);
  if (key) {
    const setting = { patterns: [{ pattern: authPath, from: 'the file the key was added to' }], command: null, strictModes: true, note: null, evidence: [] };
    const [inv] = await inventoryAuthorizedKeys(host, [target.account], setting);
    const others = inv.files.flatMap((f) => f.entries).filter((e) => e.key.fingerprint !== key.fingerprint);
    for (const e of others) {
      out.push(`still authorized: ${e.key.fingerprint}${e.comment ? ` (${e.comment.slice(0, 60)})` : ''}: once every client uses the new key, remove it with hardtop fix ssh.remove-authorized-key --user ${name} --arg fingerprint=${e.key.fingerprint}`);
    }
  }
  out.push(`for other hosts, as ${name}: ssh-copy-id -i ${keyPath}.pub ${name}@OTHER-HOST`);
  return out;
}

export const rotateUserKey: Fix = {
  id: ROTATE_USER_FIX_ID,
  title: "Give an account a new SSH key, proven by a real login, before the old ones go",
  area: 'ssh',
  risk: 'safe',
  params: [USER_PARAM],
  async plan(host, ctx, args = {}): Promise<Plan> {
    const plan = emptyPlan(rotateUserKey);
    const name = args.user ?? '';
    const found = await targetAccount(host, name);
    if (!found.ok) return refuse(plan, found.reason);
    const target = found.target;
    const { account, home } = target;

    const state = await loadServerState(host, ctx);
    if (state.kind === 'absent') return refuse(plan, `${state.presence.summary}: a new key could not be proven by a login`);
    if (state.kind === 'broken') return refuse(plan, `sshd cannot use its configuration as it is (${state.summary}); fix that first`);
    const config = state.config;
    if (config.get('pubkeyauthentication')?.value.toLowerCase() === 'no') return refuse(plan, 'PubkeyAuthentication is no: sshd accepts no key at all');
    const listen = loopbackTarget(listenAddresses(config));
    if (!listen) return refuse(plan, 'sshd listens on no loopback address (ListenAddress): the new key cannot be proven by a login over loopback');

    // Where the key goes: the first AuthorizedKeysFile inside the home.
    const setting = await authorizedKeysSetting(host, ctx);
    let authPath: string | null = null;
    for (const { pattern } of setting.patterns) {
      const x = expandAuthorizedKeysPattern(pattern, account);
      if (x && 'path' in x && isAtOrBelow(x.path, home) && x.path !== home) {
        authPath = x.path;
        break;
      }
    }
    if (authPath === null) return refuse(plan, `AuthorizedKeysFile (${setting.patterns.map((p) => p.pattern).join(' ')}) names no file in ${name}'s home: add the key where your configuration keeps keys, by hand`);

    const homeState = await entryState(host, home, account.uid);
    if (homeState.kind !== 'ok') return refuse(plan, homeState.kind === 'absent' ? `${home} does not exist` : `${homeState.why}: ${name} could not write there`);
    const sshDir = `${home}/.ssh`;
    const dirState = await entryState(host, sshDir, account.uid);
    if (dirState.kind === 'bad') return refuse(plan, dirState.why);
    if (dirState.kind === 'ok' && !dirState.dir) return refuse(plan, `${sshDir} is not a directory`);
    const authDir = authPath.slice(0, authPath.lastIndexOf('/'));
    if (authDir !== sshDir) {
      const d = await entryState(host, authDir, account.uid);
      if (d.kind !== 'ok' || !d.dir) return refuse(plan, `${authDir} (for ${authPath}) is not a directory of ${name}'s`);
    }
    const auth = await readMaybeUntrusted(host, authPath, home);
    if (!auth.ok && auth.reason !== 'missing') return refuse(plan, `${authPath}: ${auth.message}`);
    if (auth.ok && auth.stat.uid !== account.uid) return refuse(plan, `${authPath} is owned by uid ${auth.stat.uid}, not ${name}: fix the owner first`);

    const date = stamp(ctx.now);
    const keyPath = dirState.kind === 'absent' ? `${sshDir}/id_ed25519_${date}` : await freshKeyPath(host, sshDir, date);
    if (keyPath === null) return refuse(plan, `no free name for a new key in ${sshDir}`);
    const hostname = (await host.facts()).hostname || 'localhost';
    const tag = keyTag(name, hostname, date, randomBytes(3).toString('hex'));

    const real = (p: string) => host.realPath(p);
    const as = (argv: string[], describe: string, more: Partial<Command> = {}): Command => ({ argv: ['runuser', '-u', name, '--', ...argv], describe, timeoutMs: 30_000, ...more });
    const commands: Command[] = [];
    const undo: Command[] = [];
    if (dirState.kind === 'absent') commands.push(as(['mkdir', '-m', '0700', '--', real(sshDir)], `create ${sshDir} (0700) as ${name}`));
    if (!auth.ok) {
      commands.push(as(['touch', '--', real(authPath)], `create ${authPath} as ${name}`));
      commands.push(as(['chmod', '0600', '--', real(authPath)], `make ${authPath} private (0600)`));
    } else if (auth.text !== '' && !auth.text.endsWith('\n')) {
      commands.push(as(['sed', '-i', '-e', '$a\\', '--', real(authPath)], `end ${authPath}'s last line with a newline (the new key goes on its own line)`));
      plan.warnings.push(`${authPath} does not end with a newline: one is added first (undo leaves it)`);
    }
    commands.push(
      as(['ssh-keygen', '-t', 'ed25519', '-f', real(keyPath), '-C', tag], `generate the new Ed25519 key ${keyPath} as ${name} (ssh-keygen asks for its passphrase)`, { interactive: true, timeoutMs: 600_000 }),
      as(['dd', `if=${real(`${keyPath}.pub`)}`, `of=${real(authPath)}`, 'oflag=append', 'conv=notrunc', 'status=none'], `append the new public key to ${authPath} as ${name}`),
      as(
        [
          'ssh', '-F', '/dev/null', '-i', real(keyPath),
          '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'PreferredAuthentications=publickey',
          '-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no',
          // Loopback to this machine's own sshd: nothing to verify a host key against in the user's files.
          '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'GlobalKnownHostsFile=/dev/null',
          '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10',
          '-p', String(listen.port), '-l', name, listen.addr, 'true',
        ],
        `prove the new key logs in: ssh with only that key to ${name}@${listen.addr} port ${listen.port} (a passphrase is asked here)`,
        { interactive: true, timeoutMs: 600_000, okExitCodes: Array.from({ length: SSH_OWN_FAILURE - 1 }, (_, i) => i + 1) },
      ),
    );
    undo.push(as(['sed', '-i', '-e', tagDeleteScript(tag), '--', real(authPath)], `remove the line of the new key (comment ${tag}) from ${authPath}`));
    if (!auth.ok) undo.push(as(['find', real(authPath), '-maxdepth', '0', '-type', 'f', '-empty', '-delete'], `remove ${authPath} again if it is empty`));
    undo.push(as(['rm', '-f', '--', real(keyPath), real(`${keyPath}.pub`)], `remove the new key files ${keyPath} and .pub`));
    if (dirState.kind === 'absent') undo.push(as(['rmdir', '--ignore-fail-on-non-empty', '--', real(sshDir)], `remove ${sshDir} again if it is empty`));
    plan.commands = commands;
    plan.undoCommands = undo;

    plan.warnings.push(
      `${name} gets a new Ed25519 key ${keyPath}, added to ${authPath} and proven by a key-only login to ${listen.addr} port ${listen.port}; the old keys stay until you remove them (ssh.remove-authorized-key). Everything runs as ${name}, never as root in the home`,
    );
    if (setting.note) plan.warnings.push(setting.note);
    const proof = `a key-only ssh login to ${name}@${listen.addr} port ${listen.port} worked`;
    plan.afterApply = (h) => resultLines(h, target, keyPath, authPath!, proof);
    return plan;
  },
};
