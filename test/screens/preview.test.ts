// The fix preview shows everything the fix will do, whole: a warning's end
// ("… Run fix fail2ban.ignore … FIRST") and a long diff line were cut at the
// screen's width, so the admin approved text they could not see.
import test from 'ava';
import { previewLines, type FixPreview } from '../../screens/preview';

const strip = (lines: string[]) => lines.map((l) => l.replace(/\{\/?[a-z-]+\}/g, ''));

const base: FixPreview = { title: 'Enable jails', risk: 'lockout-risk', diffs: [], commands: [], warnings: [] };

test('a long warning wraps at words and keeps its last word; nothing is cut', (t) => {
  const warning = `YOUR ADDRESS 203.0.113.7 (this SSH session) is not in ignoreip of [sshd] and [recidive]: ${'on reload fail2ban reads back the log, '.repeat(4)}Run fix fail2ban.ignore --arg address=203.0.113.7 FIRST`;
  const lines = strip(previewLines({ ...base, warnings: [warning] }, 60, false));
  for (const l of lines) t.true(l.length <= 60, l);
  const text = lines.filter((l) => !l.startsWith('risk') && l !== 'Enable jails').join(' ');
  t.true(text.includes('FIRST'), text);
  t.true(text.replace(/\s+/g, ' ').includes('Run fix fail2ban.ignore --arg address=203.0.113.7 FIRST'));
});

test('a diff line longer than the screen is continued on the next lines, every character kept', (t) => {
  const long = `+add_header Content-Security-Policy "${'default-src \'self\'; '.repeat(12)}" always;`;
  const diff = `--- a/etc/nginx/nginx.conf\n+++ b/etc/nginx/nginx.conf\n@@ -1 +1,2 @@\n server {\n${long}`;
  const lines = strip(previewLines({ ...base, diffs: [diff] }, 50, true));
  for (const l of lines) t.true(l.length <= 50, l);
  const start = lines.findIndex((l) => l.startsWith('+add_header'));
  t.true(start > 0);
  let joined = lines[start];
  for (let i = start + 1; lines[i]?.startsWith('↪ '); i++) joined += lines[i].slice(2);
  t.is(joined, long);
});

test('hostile text in a warning or a diff stays inert: no escape sequences, no live tags', (t) => {
  const lines = previewLines({ ...base, warnings: ['\x1b]0;pwned\x07{red-fg}fake{/red-fg} ok'], diffs: ['+\x1b[2Jclear {bold}x{/bold}'] }, 80, true);
  const all = lines.join('\n');
  t.false(/\x1b|\x07/.test(all));
  t.false(all.includes('{red-fg}fake'), 'a tag from the system is escaped, not drawn');
});
