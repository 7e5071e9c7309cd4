// ssh.client.deprecated-options: options ssh has removed, deprecated or keeps
// only as an alias (UseRoaming, Protocol, Cipher, ChallengeResponseAuthentication
// …, assets/policy/ssh.json client.deprecatedOptions) in the system-wide
// ssh_config and every user's ~/.ssh/config, each named with file:line. A
// keyword ssh does not know at all stops ssh ("Bad configuration option"):
// in the system file that makes every client check an error (client-check.ts);
// in a user's file it is listed here, with whose ssh it breaks.

import type { Check, Evidence } from '../../src/core/types';
import type { SshConfig } from '../../src/parse/ssh-config';
import { finding, listSome } from '../updates/finding';
import { userNames } from './client-config';
import { clientCheck } from './client-check';
import { clientDeprecatedEntry } from './client-policy';
import { offer } from './fix-offer';

const EFFECT_TEXT = {
  fatal: 'ssh refuses it',
  ignored: 'ignored',
  deprecated: 'deprecated, ignored',
  unsupported: 'unsupported, ignored',
  alias: 'an old alias',
} as const;

export const clientDeprecatedCheck: Check = clientCheck({
  id: 'ssh.client.deprecated-options',
  title: 'SSH client config has no deprecated options',
  severity: 'low',
  judge(check, state) {
    const found: { where: string; text: string; evidence: Evidence }[] = [];
    const seen = new Set<string>();
    const scan = (cfg: SshConfig, who: string | null) => {
      for (const d of cfg.directives) {
        const e = clientDeprecatedEntry(d.keyword);
        const k = `${d.file}:${d.line}`;
        if (!e || seen.has(k)) continue;
        seen.add(k);
        const instead = e.replacement ? `; use ${e.replacement}` : '';
        found.push({ where: k, text: `${d.keyword} (${EFFECT_TEXT[e.effect]} since OpenSSH ${e.since}: ${e.note}${instead})`, evidence: { file: d.file, line: d.line, text: d.text } });
      }
      for (const p of cfg.problems) {
        if (p.kind !== 'unknown-keyword') continue;
        const k = `${p.file}:${p.line}`;
        if (seen.has(k)) continue;
        seen.add(k);
        found.push({ where: k, text: `${p.message.replace(/^Bad configuration option: /, '')} (not an option ssh knows: ssh stops with "Bad configuration option"${who ? ` for ${who}` : ''})`, evidence: { file: p.file, line: p.line, text: p.message } });
      }
    };
    scan(state.system, null);
    const unread: Evidence[] = [];
    for (const u of state.users) {
      if (u.config) scan(u.config, userNames(u));
      else if (u.problem) unread.push({ file: u.path, text: `not inspected: ${u.problem.text}` });
    }
    const files = 1 + state.users.filter((u) => u.config).length;
    const evidence = [...found.map((f) => f.evidence), ...unread];
    if (found.length === 0) return finding(check, 'pass', `no deprecated, removed or aliased option in ${files} ssh config file${files === 1 ? '' : 's'}`, evidence);
    const summary = `${found.length} deprecated option${found.length === 1 ? '' : 's'}: ${listSome(found.map((f) => `${f.text} at ${f.where}`), 3)}`;
    return finding(check, 'warn', summary, evidence, offer('ssh.client.harden'));
  },
});
