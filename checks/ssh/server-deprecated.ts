// ssh.server.deprecated-options: options this OpenSSH has removed, deprecated
// or only keeps as an alias, each named with file:line. A line sshd rejects
// outright (UseRoaming) never gets here: it makes the whole server config an
// error (server-config.ts), as CHECKS.md asks.

import type { Check, Evidence } from '../../src/core/types';
import { finding, listSome } from '../updates/finding';
import { offer } from './fix-offer';
import { deprecatedEntry } from './policy';
import { directiveEvidence } from './server-config';
import { serverCheck } from './server-check';

const EFFECT_TEXT = {
  fatal: 'sshd refuses it',
  ignored: 'ignored',
  deprecated: 'deprecated, ignored',
  unsupported: 'unsupported here, ignored',
  alias: 'an old alias',
} as const;

export const deprecatedOptionsCheck: Check = serverCheck({
  id: 'ssh.server.deprecated-options',
  title: 'SSH server config has no deprecated options',
  severity: 'low',
  judge(check, config) {
    const found: { where: string; text: string; evidence: Evidence }[] = [];
    const seen = new Set<string>();
    const add = (file: string, line: number, text: string, evidence: Evidence) => {
      const k = `${file}:${line}`;
      if (seen.has(k)) return;
      seen.add(k);
      found.push({ where: k, text, evidence });
    };

    for (const d of config.parsed.directives) {
      const e = deprecatedEntry(d.keyword);
      if (!e) continue;
      const instead = e.replacement ? `; use ${e.replacement}` : '';
      add(d.file, d.line, `${d.keyword} (${EFFECT_TEXT[e.effect]} since OpenSSH ${e.since}: ${e.note}${instead})`, directiveEvidence(d));
    }
    // What this sshd itself complained about, if our table does not know it yet.
    // ("reprocess config line N" repeats a line of a file already seen: skipped.)
    const files = new Set(config.parsed.files.map((f) => f.path));
    for (const d of config.diagnostics) {
      if ((d.kind === 'deprecated' || d.kind === 'unsupported') && d.file !== undefined && files.has(d.file) && d.line !== undefined) {
        add(d.file, d.line, `${d.keyword} (${d.kind === 'deprecated' ? 'deprecated' : 'unsupported'}, says sshd)`, { file: d.file, line: d.line, text: d.message });
      }
    }
    // Keywords hardtop does not know: sshd -T accepted them when it ran; otherwise say so.
    if (config.via === 'parse') {
      for (const p of config.parsed.problems) {
        if (p.kind === 'unknown-keyword') add(p.file, p.line, `${p.message} (sshd may refuse it)`, { file: p.file, line: p.line, text: p.message });
      }
    }

    const evidence = [...found.map((f) => f.evidence), config.source];
    if (found.length === 0) return finding(check, 'pass', 'no deprecated, removed or aliased option', evidence);
    const summary = `${found.length} deprecated option${found.length === 1 ? '' : 's'}: ${listSome(found.map((f) => `${f.text} at ${f.where}`), 3)}`;
    return finding(check, 'warn', summary, evidence, offer('ssh.server.harden'));
  },
});
