// ssh.server.harden: the server policy of CHECKS.md in one reviewed change.
//
//   PermitRootLogin no, PasswordAuthentication no, KbdInteractiveAuthentication
//   no, PermitEmptyPasswords no, and strong KexAlgorithms / Ciphers / MACs /
//   HostKeyAlgorithms (assets/policy/ssh-harden.json, cut down to what this
//   OpenSSH supports and the host keys it loads), written where sshd reads
//   them first (harden-edit.ts), obsolete options commented out. A Match
//   block that sets one of the four options otherwise (passwords for
//   `Match Group sftponly`, say) is left alone and named in the plan: its
//   accounts' logins are never tested by commit-confirm. `--arg match=scrub`
//   comments such lines out too, except in blocks with ForceCommand or
//   ChrootDirectory (harden-edit.ts says why).
//
// Only what is not already right is written: an admin's own strong list, or
// a setting that already passes, is left alone.
//
// Safety, in the order the engine meets it:
//   guard     the lockout guard (harden-guard.ts) refuses a plan that would
//             leave no way in; its verdict names the admin's account;
//   validate  `sshd -t` on a staged copy of /etc/ssh with the edits in and
//             every Include/HostKey path pointed INTO the copy (the audit's
//             rewriteForStage), so the checker never reads the live tree;
//   reload    systemctl or SIGHUP to the PidFile's sshd (harden-reload.ts);
//   verify    the owning checks must not fail afterwards;
//   risk      'lockout-risk': the CLI applies it commit-confirmed (the change
//             reverts by itself unless confirmed from a NEW ssh login).

import type { FileEdit, Fix, FixArgs, Plan, RunContext, Validation } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { allGlobal, canonicalKey, effectiveDirective, loadSshdConfig, tokenizeSshdLine, type SshdConfig } from '../../src/parse/sshd-config';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { thrownMessage } from '../updates/finding';
import { ALGORITHM_OPTIONS, decideList, hostKeyTypes, supportedNames } from './harden-algorithms';
import { choosePlacement, computeHardenEdit, overlaySource, type KeptMatchLine, type LineAction, type MatchPolicy, type Setting } from './harden-edit';
import { lockoutGuard, type ConfigGetter } from './harden-guard';
import { hardenPolicy } from './harden-policy';
import { reloadPlan } from './harden-reload';
import { assembleAlgorithms, sshPolicy } from './policy';
import { hostSource, loadServerState, normaliseValue, SSHD_CONFIG } from './server-config';
import { detectServer } from './server-presence';
import { staleConfigReason } from './stage-fresh';
import { derelativise, hostKeyPaths, rewriteForStage, runSshdT } from './server-sshd-t';
import { sshdTValue } from '../../src/parse/sshd-t';

export const HARDEN_FIX_ID = 'ssh.server.harden';

/** Keywords sshd accumulates over several lines (sshd -T prints one line each). */
const ACCUMULATING = new Set(['allowusers', 'denyusers', 'allowgroups', 'denygroups']);

/** Keys the guard cannot evaluate per Match block; a block setting one is named in the plan. */
const KEY_SETTINGS_IN_MATCH = ['pubkeyauthentication', 'authorizedkeysfile', 'authorizedkeyscommand', 'authenticationmethods'];

/** The check that judges each option a Match block may turn back on. */
const CHECK_OF_KEY: Record<string, string> = {
  permitrootlogin: 'ssh.server.root-login',
  passwordauthentication: 'ssh.server.password-auth',
  kbdinteractiveauthentication: 'ssh.server.kbd-interactive',
  permitemptypasswords: 'ssh.server.empty-passwords',
};

/** The plan's line for a Match-block line left as it is. */
export function keptMatchWarning(k: KeptMatchLine, policy: MatchPolicy): string {
  const d = k.directive;
  const head = `${d.file}:${d.line}: "${d.text}" left alone: ${k.block.text} (${k.block.file}:${k.block.line}) gives ${d.keyword} ${d.args.join(' ')} to ${k.who}`;
  const check = CHECK_OF_KEY[d.key] ? `; ${CHECK_OF_KEY[d.key]} still reports it` : '';
  if (k.restrictedBy.length > 0) {
    return `${head}${check}. Not changed${policy === 'scrub' ? ' even with match=scrub' : ', nor with match=scrub'}: the block also sets ${k.restrictedBy.join(', ')}, a restricted-account setup whose logins the commit-confirm never tests; change it by hand if you mean it`;
  }
  return `${head}${check}. To take it away too: --arg match=scrub (those logins are not tested by the commit-confirm, which only checks yours)`;
}

export const COMMIT_CONFIRMED_NOTE =
  'lockout-risk: applied commit-confirmed. After the reload, open a NEW ssh login and run `hardtop confirm` within the window (default 120 s), or the change reverts by itself and sshd reloads';

interface Current {
  get: ConfigGetter;
  list(key: string): string[];
}

/** What sshd uses now: sshd -T when it can be asked, else our parse over the fallback defaults. */
async function currentConfig(host: Host, ctx: RunContext, parsed: SshdConfig): Promise<Current> {
  const state = await loadServerState(host, ctx);
  if (state.kind === 'ok') {
    const config = state.config;
    return {
      get: (key) => {
        const k = key.toLowerCase();
        if (ACCUMULATING.has(k)) return config.t ? config.t.values.get(k)?.join(' ') : allGlobal(parsed, k).map((d) => d.args.join(' ')).join(' ') || undefined;
        return config.get(k)?.value;
      },
      list: (key) => config.list(key).names,
    };
  }
  // sshd refuses the current files (UseRoaming, say) or cannot be asked: our parse.
  return {
    get: (key) => {
      const k = key.toLowerCase();
      if (ACCUMULATING.has(k)) return allGlobal(parsed, k).map((d) => d.args.join(' ')).join(' ') || undefined;
      const d = effectiveDirective(parsed, k);
      const v = d ? d.args.join(' ') : sshPolicy.fallbackDefaults.values[k];
      return v === undefined ? undefined : normaliseValue(k, v);
    },
    list: (key) => {
      const defaults = (sshPolicy.fallbackDefaults.values[key] ?? '').split(',').filter(Boolean);
      const d = effectiveDirective(parsed, key);
      return d ? assembleAlgorithms(defaults, d.args[0] ?? '') : defaults;
    },
  };
}

/**
 * The staged copy must read its own files only: rewrite paths into it, copy
 * keys kept outside /etc/ssh. The configuration is read again from the
 * machine with the plan's edits (`edited`) in, and the apply is refused if
 * any file differs from what the plan saw (`after`; stage-fresh.ts says why).
 */
export function stagePreparer(after: SshdConfig, edited: ReadonlyMap<string, string>): Validation['prepareStage'] {
  return async (host, stage) => {
    const fresh = await loadSshdConfig(after.main, overlaySource(hostSource(host), edited));
    const stale = staleConfigReason(after.files, fresh.files);
    if (stale) throw new Error(stale);
    for (const f of fresh.files) await host.writeReal(stage + f.path, rewriteForStage(f.text, stage));
    const keys = new Set(hostKeyPaths(fresh).paths);
    for (const d of fresh.directives) if (d.match === null && d.key === 'hostcertificate' && d.args[0]) keys.add(derelativise(d.args[0]));
    for (const p of keys) {
      if (p.startsWith('/etc/ssh/')) continue; // copied with the tree, modes kept
      const bytes = await host.readBytes(p).catch(() => null);
      if (bytes !== null) await host.writeReal(stage + p, bytes);
    }
  };
}

export async function defaultKeyArgs(host: Host, after: SshdConfig): Promise<string[]> {
  const keys = hostKeyPaths(after);
  if (keys.configured) return [];
  // No HostKey line: sshd would load its compiled-in defaults from the REAL /etc/ssh.
  const args: string[] = [];
  for (const p of keys.paths) if ((await host.stat(p).catch(() => null)) !== null) args.push('-h', `{stage}${p}`);
  return args;
}

/**
 * The plan's file edits from an edit's new texts, the placement's file first;
 * a file that is not a plain file stops it (the reason is returned instead).
 */
export async function hardenEdits(host: Host, texts: ReadonlyMap<string, string>, originals: ReadonlyMap<string, string>, first: string): Promise<FileEdit[] | string> {
  const edits: FileEdit[] = [];
  for (const [path, after] of [...texts].sort(([a], [b]) => (a === first ? -1 : b === first ? 1 : a < b ? -1 : 1))) {
    const problem = await plainFileProblem(host, path);
    if (problem) return problem;
    edits.push({ path, before: originals.get(path) ?? null, after, mode: 0o644 });
  }
  return edits;
}

/** One warning per line the edit comments out or renames; `program` is whose first-value rule it is (ssh or sshd). */
export function lineActionWarnings(actions: readonly LineAction[], program: 'ssh' | 'sshd'): string[] {
  return actions.map((a) =>
    a.kind === 'rename'
      ? `${a.file}:${a.line}: "${a.text}" renamed to ${a.to} (an old alias)`
      : `${a.file}:${a.line}: "${a.text}" commented out: ${a.why ?? `it would win over the new setting (${program} uses the first value)`}`,
  );
}

export async function plainFileProblem(host: Host, path: string): Promise<string | null> {
  try {
    const st = await host.lstat(path);
    if (st === null) return null;
    if (st.kind === 'symlink') return `${path} is a symlink; not rewriting what it points to (edit it by hand)`;
    if (st.kind !== 'file') return `${path} is a ${st.kind}, not a regular file`;
    return null;
  } catch (err) {
    return `cannot inspect ${path}: ${thrownMessage(err)}`;
  }
}

export const hardenServer: Fix = {
  id: HARDEN_FIX_ID,
  title: 'Harden the SSH server (no root or password logins, strong algorithms)',
  area: 'ssh',
  risk: 'lockout-risk',
  params: [
    {
      name: 'match',
      describe: 'scrub: also comment out Match-block lines that turn passwords or root logins back on for some connections (never in blocks with ForceCommand or ChrootDirectory); left out: those lines stay and are listed',
      pattern: /^(keep|scrub)$/,
      optional: true,
    },
  ],
  // The four auth checks also judge the Match blocks a plan may deliberately
  // leave (SFTP customers with passwords): re-run after the apply they would
  // roll back a change that did exactly what the plan said. So they are added
  // per plan (Plan.verifies) only when it leaves no Match line behind; either
  // way sshd -T on the edited copy confirms every written value while planning.
  verifies: [
    'ssh.server.kex',
    'ssh.server.ciphers',
    'ssh.server.macs',
    'ssh.server.host-key-algorithms',
  ],
  async plan(host, ctx, args?: FixArgs): Promise<Plan> {
    let plan = emptyPlan(hardenServer);
    const matchPolicy: MatchPolicy = args?.match === 'scrub' ? 'scrub' : 'keep';
    const presence = await detectServer(host);
    if (presence.kind !== 'installed') return refuse(plan, `${presence.summary}: nothing to harden`);

    const source = hostSource(host);
    const parsed = await loadSshdConfig(SSHD_CONFIG, source);
    const fatal = parsed.problems.find((p) => p.fatal);
    if (fatal) return refuse(plan, `sshd cannot use its configuration as it is: ${fatal.file}${fatal.line ? `:${fatal.line}` : ''}: ${fatal.message}; fix that first`);
    const current = await currentConfig(host, ctx, parsed);

    // 1. What must change.
    const settings: Setting[] = [];
    const matchScrub: Setting[] = [];
    for (const s of hardenPolicy.settings.values) {
      if (current.get(s.keyword) !== s.value) settings.push({ keyword: s.keyword, value: s.value });
      else if (parsed.matches.some((b) => !b.all && b.directives.some((d) => d.key === s.keyword.toLowerCase() && normaliseValue(d.key, d.args.join(' ')) !== s.value))) {
        matchScrub.push({ keyword: s.keyword, value: s.value });
      }
    }
    const keyTypes = await hostKeyTypes(host, parsed);
    for (const option of ALGORITHM_OPTIONS) {
      const supported = await supportedNames(host, option, ctx);
      const decision = decideList(option, current.list(option.key), supported, keyTypes.types.size > 0 ? keyTypes.types : null);
      if ('refuse' in decision) return refuse(plan, decision.refuse);
      if (decision.write) settings.push({ keyword: option.keyword, value: decision.names.join(',') });
    }
    if (keyTypes.unreadable.length > 0) plan.warnings.push(`host keys that could not be read (not counted for HostKeyAlgorithms): ${keyTypes.unreadable.join(', ')}`);

    // 2. Where and how.
    const dirStat = await host.stat(hardenPolicy.dropIn.slice(0, hardenPolicy.dropIn.lastIndexOf('/'))).catch(() => null);
    const placement = choosePlacement(parsed, hardenPolicy.dropIn, dirStat?.kind === 'dir');
    const edit = await computeHardenEdit({ cfg: parsed, source, placement, settings, matchScrub, matchPolicy, removeEffects: new Set(hardenPolicy.removeEffects.effects) });
    if (!edit.ok) return refuse(plan, edit.reason);
    if (edit.texts.size === 0) {
      plan.warnings.push(...edit.keptMatch.map((k) => keptMatchWarning(k, matchPolicy)));
      const left = edit.keptMatch.length;
      return refuse(plan, left === 0 ? 'nothing to change: the SSH server already follows the policy' : `nothing to change: the global settings follow the policy; ${left} Match-block line${left === 1 ? '' : 's'} left alone (see the warnings)`);
    }

    const edits = await hardenEdits(host, edit.texts, new Map(parsed.files.map((f) => [f.path, f.text])), placement.path);
    if (typeof edits === 'string') return refuse(plan, edits);
    plan = { ...plan, edits };
    plan.warnings.push(...lineActionWarnings(edit.actions, 'sshd'));
    plan.warnings.push(...edit.notes);
    plan.warnings.push(...edit.keptMatch.map((k) => keptMatchWarning(k, matchPolicy)));
    if (edit.keptMatch.length === 0) plan.verifies = [...(hardenServer.verifies ?? []), ...Object.values(CHECK_OF_KEY)];

    // 3. The configuration as sshd will read it after the change.
    const afterOverlay = new Map(edits.map((e) => [e.path, e.after]));
    const after = await loadSshdConfig(SSHD_CONFIG, overlaySource(source, afterOverlay));
    const written = new Map(settings.map((s) => [s.keyword.toLowerCase(), s.value]));
    // The real sshd on a staged copy of the edited files must print what was
    // written (it stands in for re-running the auth checks after the apply:
    // those also judge the Match blocks this plan leaves alone, see `verifies`).
    const seen = await runSshdT(host, after, ctx);
    if (seen.kind === 'rejected') {
      const f = seen.fatal[0];
      return refuse(plan, `sshd -T refuses the edited configuration: ${f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : ''}${f.message}`);
    }
    if (seen.kind === 'unavailable') plan.warnings.push(`the edited configuration could not be cross-checked with sshd -T (${seen.reason}); sshd -t still validates it before it is written`);
    else {
      const wrong = settings.filter((s) => (sshdTValue(seen.t, s.keyword) ?? '').toLowerCase() !== s.value.toLowerCase());
      if (wrong.length > 0) {
        return refuse(plan, `sshd -T on the edited copy does not show the new values (${wrong.map((s) => `${s.keyword}: ${sshdTValue(seen.t, s.keyword) ?? 'nothing'}`).join('; ')}): not changing anything`);
      }
    }
    const afterGet: ConfigGetter = (key) => written.get(key.toLowerCase()) ?? current.get(key);
    // Options whose lines were commented out (Match blocks included), by key, aliases resolved.
    const scrubbed = new Set(
      edit.actions.flatMap((a) => {
        const tok = a.kind === 'disable' ? tokenizeSshdLine(a.text) : null;
        return tok?.kind === 'directive' ? [canonicalKey(tok.keyword)] : [];
      }),
    );

    // 4. The lockout guard.
    const matchCaveats: string[] = [];
    for (const block of after.matches) {
      if (block.all) continue;
      const d = block.directives.find((x) => KEY_SETTINGS_IN_MATCH.includes(x.key));
      if (d) matchCaveats.push(`${block.text} (${block.file}:${block.line}) sets ${d.keyword} for some connections: the lockout guard did not evaluate it`);
    }
    const verdict = await lockoutGuard(
      host,
      {
        // Taking passwords (or root logins) back from a Match block counts too: someone may rely on it.
        disablesPasswords: ['passwordauthentication', 'kbdinteractiveauthentication'].some((k) => written.get(k) === 'no' || scrubbed.has(k)),
        disablesRootLogin: written.get('permitrootlogin') === 'no' || scrubbed.has('permitrootlogin'),
        after: afterGet,
        matchCaveats,
      },
      ctx,
    );
    plan.warnings.push(...verdict.notes);
    if (!verdict.ok) return refuse(plan, verdict.reason);
    plan.warnings.unshift(`lockout guard: ${verdict.reason}`);

    // 5. Validate on a staged copy, then reload.
    plan.validate.push({
      argv: ['sshd', '-t', '-f', `{stage}${SSHD_CONFIG}`, ...(await defaultKeyArgs(host, after))],
      describe: `sshd -t -f ${SSHD_CONFIG} (on a staged copy of /etc/ssh with the change)`,
      stage: ['/etc/ssh'],
      timeoutMs: 15_000,
      prepareStage: stagePreparer(after, afterOverlay),
    });
    const reload = await reloadPlan(host, after);
    plan.commands.push(...reload.commands);
    plan.warnings.push(...reload.notes);
    plan.warnings.push(COMMIT_CONFIRMED_NOTE);
    return plan;
  },
};
