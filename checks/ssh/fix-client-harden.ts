// ssh.client.harden: the client policy of CHECKS.md for every user of this
// machine, in the system-wide /etc/ssh/ssh_config.
//
//   PasswordAuthentication no and KbdInteractiveAuthentication no for every
//   host, and KexAlgorithms / Ciphers / MACs / HostKeyAlgorithms /
//   PubkeyAcceptedAlgorithms / CASignatureAlgorithms without their weak
//   names, in the removal form `-weak,…` (removalValue says why), written
//   where ssh reads them first (client-harden-edit.ts); obsolete options
//   commented out, old aliases renamed. Only what the ssh.client.* checks
//   would flag is written: an admin's own strong list is left alone, and so
//   is every Host/Match-scoped exception (named in the plan).
//
// Users' ~/.ssh/config files are read first by ssh and can override all of
// this for their owner; they belong to the users and are never rewritten:
// the plan names each one that overrides the policy.
//
// Validation is the real client: `ssh -G -F {stage}/etc/ssh/ssh_config` on a
// staged copy (Include paths pointed into the copy, `Match exec` neutralised
// so no command of the config runs) must exit 0; and while planning, the same
// run on a copy must print exactly the values written, or the plan is
// refused: first-value-wins is checked by ssh itself, not only by our parse.
//
// Risk 'disruptive': no sshd is touched and nothing can lock anyone out of
// this machine, but outgoing password logins to other servers stop working
// for users who do not override it.

import type { Fix, Plan, RunContext, Validation } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { canonicalSshKey, hostOverrides, loadSshConfig, universalValue, whereApplies, type SshConfig, type SshConfigDirective } from '../../src/parse/ssh-config';
import { tokenizeSshdLine } from '../../src/parse/sshd-config';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { thrownMessage } from '../updates/finding';
import { defaultsOf, weakNames } from './client-algorithms';
import { loadClientState, parseSshG, SSH_CONFIG, userNames, type ClientDefaults, type UserClientConfig } from './client-config';
import { chooseClientPlacement, computeClientHardenEdit } from './client-harden-edit';
import { clientDeprecatedEntry, clientPolicy, type WeakListName } from './client-policy';
import { hardenEdits, lineActionWarnings } from './fix-harden';
import { overlaySource, type Setting } from './harden-edit';
import { staleConfigReason } from './stage-fresh';
import { assembleAlgorithms } from './policy';
import { hostSource } from './server-config';

export const CLIENT_HARDEN_FIX_ID = 'ssh.client.harden';
/** A name that never resolves (RFC 6761): ssh -G prints what a host with no block of its own gets. */
export const CLIENT_PROBE_HOST = 'hardtop.invalid';
/** Where `~` Includes point in a staged copy: nowhere (they depend on the user running ssh). */
const NO_HOME = '/.hardtop-no-home';
/** A staging path ssh's argv_split and glob(3) read back unchanged. */
const SAFE_STAGE = /^[A-Za-z0-9._/@+:,-]+$/;

const ALGORITHM_OPTIONS = clientPolicy.algorithmOptions.entries.map((e) => ({ ...e, key: e.keyword.toLowerCase() }));

function quoteArg(s: string): string {
  return /^[^\s"'\\#]+$/.test(s) ? s : `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * A system ssh_config file as the staged copy needs it: Include patterns
 * pointed into `stage` (absolute ones under it; relative ones from /etc/ssh,
 * as ssh resolves them for the system file, although `-F` would take them
 * from ~/.ssh; `~` ones to nowhere), and every `Match … exec` replaced by a
 * block for a host that is never probed, so no command in the config runs.
 * Every other line is kept byte for byte; line numbers do not move.
 */
export function rewriteClientForStage(text: string, stage: string): string {
  return text
    .split('\n')
    .map((raw) => {
      const tok = tokenizeSshdLine(raw);
      if (tok.kind !== 'directive') return raw;
      const key = canonicalSshKey(tok.keyword);
      if (key === 'include') {
        const patterns = tok.args.map((p) => {
          if (p.startsWith('~')) {
            const slash = p.indexOf('/');
            return `${stage}${NO_HOME}${slash === -1 ? '' : p.slice(slash)}`;
          }
          return stage + (p.startsWith('/') ? p : `/etc/ssh/${p}`);
        });
        return `${tok.keyword} ${patterns.map(quoteArg).join(' ')}`;
      }
      if (key === 'match' && tok.args.some((a) => a.replace(/^!/, '').toLowerCase() === 'exec')) return 'Match host hardtop-exec-not-run.invalid';
      return raw;
    })
    .join('\n');
}

async function writeClientStage(host: Host, stage: string, files: readonly { path: string; text: string }[]): Promise<void> {
  for (const f of files) await host.writeReal(stage + f.path, rewriteClientForStage(f.text, stage));
}

/**
 * At apply time: read the configuration again from the machine with the
 * plan's edits (`edited`) in, refuse if any file differs from what the plan
 * saw (`after`; stage-fresh.ts says why), then write every file it reads
 * into the stage, rewritten.
 */
export function clientStagePreparer(after: SshConfig, edited: ReadonlyMap<string, string>): NonNullable<Validation['prepareStage']> {
  return async (host, stage) => {
    const fresh = await loadSshConfig(after.main, overlaySource(hostSource(host), edited), { kind: 'system' });
    const stale = staleConfigReason(after.files, fresh.files);
    if (stale) throw new Error(stale);
    await writeClientStage(host, stage, fresh.files);
  };
}

async function supportedNames(host: Host, queries: readonly string[], ctx: RunContext): Promise<Set<string> | null> {
  for (const q of queries) {
    const r = await host.exec('ssh', ['-Q', q], { timeoutMs: 5000, signal: ctx.signal });
    if (r.exitCode === 0 && r.stdout.trim() !== '') return new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean));
  }
  return null;
}

function lineWeak(d: SshConfigDirective, defaults: ClientDefaults): string[] {
  const option = ALGORITHM_OPTIONS.find((o) => o.key === d.key);
  if (!option) return [];
  return weakNames(assembleAlgorithms(defaultsOf(defaults, option.key), d.args[0] ?? ''), option.weakList as WeakListName).map((w) => w.name);
}

/** What the system file gives every host now, and what must change. */
async function wantedSettings(host: Host, ctx: RunContext, system: SshConfig, defaults: ClientDefaults): Promise<{ settings: Setting[] } | { refuse: string }> {
  const view = { configs: [system] };
  const settings: Setting[] = [];
  for (const s of clientPolicy.harden.settings.values) {
    const key = canonicalSshKey(s.keyword);
    const u = universalValue(view, key);
    const current = (u ? (u.directive.args[0] ?? '') : (defaults.values[key] ?? '')).toLowerCase();
    const normal = current === 'true' ? 'yes' : current === 'false' ? 'no' : current;
    if (normal !== s.value) settings.push({ keyword: s.keyword, value: s.value });
  }
  for (const option of ALGORITHM_OPTIONS) {
    const u = universalValue(view, option.key);
    const base = defaultsOf(defaults, option.key);
    const current = u ? assembleAlgorithms(base, u.directive.args[0] ?? '') : base;
    if (weakNames(current, option.weakList as WeakListName).length === 0) continue;
    // The removal form: this ssh's own default list minus the weak names.
    const removal = removalValue(base, current, option.weakList as WeakListName);
    if (removal !== null) {
      settings.push({ keyword: option.keyword, value: removal });
      continue;
    }
    const entry = clientPolicy.harden.lists.entries.find((e) => e.keyword.toLowerCase() === option.key);
    if (!entry) return { refuse: `no ${option.keyword} list in the policy (assets/policy/ssh.json client.harden)` };
    const supported = await supportedNames(host, entry.query, ctx);
    if (supported === null) return { refuse: `cannot ask this ssh which ${option.keyword} it supports (ssh -Q ${entry.query[0]} failed)` };
    const names = entry.names.filter((n) => supported.has(n));
    if (names.length === 0) return { refuse: `none of the recommended ${option.keyword} is supported by this ssh` };
    settings.push({ keyword: option.keyword, value: names.join(',') });
  }
  return { settings };
}

/**
 * `-weak1,weak2,…`: the weak names of this ssh's compiled-in list and of the
 * value in force now, removed from the compiled-in list. Written instead of
 * an explicit list because ssh then keeps preferring the host key types
 * already in known_hosts (sshconnect2.c: use_known_hosts_order only when
 * HostKeyAlgorithms is unset or starts with - or +): an explicit list asks
 * a server whose known_hosts entry is ECDSA or RSA for ed25519 first, and
 * BatchMode / StrictHostKeyChecking=yes connections (backups, git, Ansible)
 * fail. It also follows OpenSSH upgrades (new strong defaults come in, the
 * weak ones stay out). null when the result would not be a usable strong
 * list (then the policy's explicit list is written).
 */
export function removalValue(defaults: readonly string[], current: readonly string[], weakList: WeakListName): string | null {
  const weak = [...new Set(weakNames([...defaults, ...current], weakList).map((w) => w.name))];
  if (weak.length === 0) return null;
  const value = `-${weak.join(',')}`;
  const result = assembleAlgorithms(defaults, value);
  return result.length > 0 && weakNames(result, weakList).length === 0 ? value : null;
}

/** What ssh prints (ssh -G) for a value written: the list assembled from its defaults. */
function expectedShown(setting: Setting, defaults: ClientDefaults): string {
  const option = ALGORITHM_OPTIONS.find((o) => o.key === setting.keyword.toLowerCase());
  return option ? assembleAlgorithms(defaultsOf(defaults, option.key), setting.value).join(',') : setting.value;
}

/** Each user's ~/.ssh/config that keeps something the policy turns off: reported, never rewritten. */
function userOverrides(users: readonly UserClientConfig[], defaults: ClientDefaults): string[] {
  const out: string[] = [];
  for (const u of users) {
    if (!u.config) continue;
    const what: string[] = [];
    const view = { configs: [u.config] };
    for (const s of clientPolicy.harden.settings.values) {
      const mine = universalValue(view, s.keyword);
      if (mine && !/^(no|false)$/i.test(mine.directive.args[0] ?? '')) what.push(`${mine.directive.text} (${mine.directive.file}:${mine.directive.line})`);
    }
    for (const option of ALGORITHM_OPTIONS) {
      const lines = [universalValue(view, option.key), ...hostOverrides(view, option.key).effective].filter((l) => l !== undefined);
      for (const l of lines) {
        const weak = lineWeak(l.directive, defaults);
        if (weak.length > 0) what.push(`${option.keyword} with ${weak.slice(0, 2).join(', ')}${weak.length > 2 ? ' …' : ''} for ${whereApplies(l.config, l.directive)} (${l.directive.file}:${l.directive.line})`);
      }
    }
    for (const d of u.config.directives) if (clientDeprecatedEntry(d.keyword)) what.push(`obsolete ${d.keyword} (${d.file}:${d.line})`);
    if (what.length > 0) {
      out.push(`${u.path} (${userNames(u)}) is read before ${SSH_CONFIG} and keeps: ${what.slice(0, 3).join('; ')}${what.length > 3 ? `; +${what.length - 3} more` : ''}. hardtop does not rewrite users' files: ask its owner to change it`);
    }
  }
  return out;
}

/** Run the real client on a staged copy of the edited files: what does every host get? */
export async function effectiveWithSsh(host: Host, after: SshConfig, ctx: RunContext): Promise<{ ok: true; values: Record<string, string> } | { ok: false; reason: string }> {
  let tmp: { path: string; dispose(): Promise<void> };
  try {
    tmp = await host.makeTempDir('ssh-G');
  } catch (err) {
    return { ok: false, reason: `cannot stage a copy: ${thrownMessage(err)}` };
  }
  try {
    if (!SAFE_STAGE.test(tmp.path)) return { ok: false, reason: 'the staging directory path has characters ssh would misread' };
    await writeClientStage(host, tmp.path, after.files);
    if (after.missing) await host.writeReal(tmp.path + after.main, '');
    const r = await host.exec('ssh', ['-G', '-F', tmp.path + after.main, CLIENT_PROBE_HOST], { cwd: tmp.path, timeoutMs: 10_000, signal: ctx.signal });
    if (r.spawnError) return { ok: false, reason: `cannot run ssh: ${r.spawnError}` };
    if (r.exitCode !== 0) return { ok: false, reason: `ssh -G refuses the edited configuration: ${(r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${r.exitCode}`).split(tmp.path).join('').trim()}` };
    return { ok: true, values: parseSshG(r.stdout) };
  } catch (err) {
    return { ok: false, reason: `cannot stage a copy: ${thrownMessage(err)}` };
  } finally {
    await tmp.dispose().catch(() => undefined);
  }
}

export const hardenClient: Fix = {
  id: CLIENT_HARDEN_FIX_ID,
  title: 'Harden the SSH client defaults (no passwords, strong algorithms) in /etc/ssh/ssh_config',
  area: 'ssh',
  risk: 'disruptive',
  // ssh.client.algorithms is not re-run as a verifier: it also judges users'
  // own files, which this fix never rewrites, and a user's weak list would
  // roll back a system-wide change that worked. The real ssh -G check while
  // planning, and the validation, cover the system file.
  verifies: ['ssh.client.password-auth', 'ssh.client.deprecated-options'],
  async plan(host, ctx): Promise<Plan> {
    let plan = emptyPlan(hardenClient);
    const state = await loadClientState(host, ctx);
    if (state.kind === 'absent') return refuse(plan, `${state.summary}: nothing to harden`);
    if (state.kind === 'broken') return refuse(plan, `${state.summary}; fix that first`);
    if ((await host.which('ssh')) === null) return refuse(plan, 'ssh is not installed on the machine running hardtop: the change could not be validated with the real client');
    const { system, defaults } = state;

    const wanted = await wantedSettings(host, ctx, system, defaults);
    if ('refuse' in wanted) return refuse(plan, wanted.refuse);
    const { settings } = wanted;

    const dropIn = clientPolicy.harden.dropIn;
    const dirStat = await host.stat(dropIn.slice(0, dropIn.lastIndexOf('/'))).catch(() => null);
    const placement = chooseClientPlacement(system, dropIn, dirStat?.kind === 'dir');
    const edit = await computeClientHardenEdit({
      cfg: system,
      source: hostSource(host),
      placement,
      settings,
      algorithmKeys: ALGORITHM_OPTIONS.map((o) => canonicalSshKey(o.key)),
      weakOf: (d) => lineWeak(d, defaults),
    });
    plan.warnings.push(...userOverrides(state.users, defaults));
    if (!edit.ok) return refuse(plan, edit.reason);
    if (edit.texts.size === 0) return refuse(plan, `nothing to change: ${SSH_CONFIG} already follows the policy`);

    const edits = await hardenEdits(host, edit.texts, new Map(system.files.map((f) => [f.path, f.text])), placement.path);
    if (typeof edits === 'string') return refuse(plan, edits);
    plan = { ...plan, edits };
    plan.warnings.push(...lineActionWarnings(edit.actions, 'ssh'));
    plan.warnings.push(...edit.notes);

    // The real client on the edited copy must give every host what was written.
    const seen = await effectiveWithSsh(host, edit.after, ctx);
    if (!seen.ok) return refuse(plan, seen.reason);
    const wrong = settings.filter((s) => (seen.values[s.keyword.toLowerCase()] ?? '').toLowerCase() !== expectedShown(s, defaults).toLowerCase());
    if (wrong.length > 0) {
      return refuse(plan, `ssh -G on the edited copy does not show the new values (${wrong.map((s) => `${s.keyword}: ${seen.values[s.keyword.toLowerCase()] ?? 'nothing'}`).join('; ')}): not changing anything`);
    }
    if (settings.length > 0) plan.warnings.push(`ssh -G on the edited copy shows, for every host: ${settings.map((s) => `${s.keyword} ${expectedShown(s, defaults)}`).join('; ')}`);

    plan.validate.push({
      argv: ['ssh', '-G', '-F', `{stage}${SSH_CONFIG}`, CLIENT_PROBE_HOST],
      describe: `ssh -G -F ${SSH_CONFIG} ${CLIENT_PROBE_HOST} (the real client parses a staged copy of /etc/ssh with the change)`,
      stage: ['/etc/ssh'],
      timeoutMs: 10_000,
      prepareStage: clientStagePreparer(edit.after, edit.texts),
    });
    plan.warnings.push('ssh reads its configuration at every run: nothing to reload; it applies to the next ssh started');
    return plan;
  },
};
