// ssh.client.password-auth: the system-wide ssh_config gives every host
// PasswordAuthentication no (CHECKS.md: "the global ssh_config `Host *`").
// "Every host" is the first value set outside host-specific blocks (a line
// before any Host, in `Host *`, or in `Match all`): first value wins, so an
// earlier `Host x` block overrides it for x — reported, not judged — and a
// user's ~/.ssh/config, read before the system file, can turn it back on for
// that user: named in the summary and evidence.

import type { Check, Evidence } from '../../src/core/types';
import { hostOverrides, universalValue, whereApplies, type Located } from '../../src/parse/ssh-config';
import { finding, listSome } from '../updates/finding';
import { SSH_CONFIG, userNames } from './client-config';
import { clientCheck } from './client-check';
import { offer } from './fix-offer';

function at(l: Located): string {
  return `${l.directive.file}:${l.directive.line}`;
}

function lineEvidence(l: Located): Evidence {
  return { file: l.directive.file, line: l.directive.line, text: l.directive.text };
}

export const clientPasswordAuthCheck: Check = clientCheck({
  id: 'ssh.client.password-auth',
  title: 'SSH client does not offer passwords by default',
  severity: 'low',
  judge(check, state) {
    const view = { configs: [state.system] };
    const global = universalValue(view, 'passwordauthentication');
    const value = (global ? (global.directive.args[0] ?? '') : (state.defaults.values.passwordauthentication ?? 'yes')).toLowerCase();
    const evidence: Evidence[] = [];
    const described = global ? `PasswordAuthentication ${global.directive.args[0]} for every host (${at(global)})` : `PasswordAuthentication not set for every host in ${SSH_CONFIG}: ssh's default ${value} (${state.defaults.label})`;
    if (global) evidence.push(lineEvidence(global));
    else evidence.push({ file: SSH_CONFIG, text: described }, state.defaults.source);

    const notes: string[] = [];
    const { effective, shadowed } = hostOverrides(view, 'passwordauthentication');
    for (const o of effective) {
      evidence.push(lineEvidence(o));
      notes.push(`${whereApplies(o.config, o.directive)} sets ${o.directive.args[0]} (${at(o)})`);
    }
    for (const o of shadowed) evidence.push({ ...lineEvidence(o), text: `${o.directive.text} — never used: the value for every host is read first` });

    // A user's own file is read first: it can switch passwords back on for that user.
    const reenabled: string[] = [];
    for (const u of state.users) {
      if (!u.config) continue;
      const mine = universalValue({ configs: [u.config] }, 'passwordauthentication');
      if (mine && /^(yes|true)$/i.test(mine.directive.args[0] ?? '')) {
        reenabled.push(`${userNames(u)} (${at(mine)})`);
        evidence.push({ ...lineEvidence(mine), text: `${mine.directive.text} — turns passwords back on for ${userNames(u)}` });
      }
    }
    if (reenabled.length > 0) notes.push(`turned back on in ~/.ssh/config by ${listSome(reenabled, 2)}`);
    const tail = notes.length > 0 ? `; ${notes.join('; ')}` : '';

    if (value === 'no' || value === 'false') return finding(check, 'pass', `${described}${tail}`, evidence);
    if (value === 'yes' || value === 'true') return finding(check, 'fail', `${described}: ssh offers passwords to every server${tail}`, evidence, offer('ssh.client.harden'));
    return finding(check, 'error', `${described}: "${value}" is not yes or no`, evidence);
  },
});
