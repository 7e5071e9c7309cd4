import test from 'ava';
import { applyPatch } from 'diff';
import { diffStats, formatDiffStats, unifiedDiff } from '../../src/core/diff';

const before = ['# sshd_config', 'Port 22', 'A 1', 'B 2', 'C 3', 'PasswordAuthentication yes', 'D 4', 'E 5', 'F 6', 'G 7', ''].join('\n');
const after = before.replace('PasswordAuthentication yes', 'PasswordAuthentication no');

test('unified diff with a/ b/ labels and 3 lines of context', (t) => {
  const patch = unifiedDiff('/etc/ssh/sshd_config', before, after);
  t.is(
    patch,
    [
      '--- a/etc/ssh/sshd_config',
      '+++ b/etc/ssh/sshd_config',
      '@@ -3,7 +3,7 @@',
      ' A 1',
      ' B 2',
      ' C 3',
      '-PasswordAuthentication yes',
      '+PasswordAuthentication no',
      ' D 4',
      ' E 5',
      ' F 6',
      '',
    ].join('\n'),
  );
});

test('a new file diffs against /dev/null', (t) => {
  const patch = unifiedDiff('/etc/ssh/sshd_config.d/50-hardtop.conf', null, 'PasswordAuthentication no\n');
  t.is(
    patch,
    '--- /dev/null\n+++ b/etc/ssh/sshd_config.d/50-hardtop.conf\n@@ -0,0 +1,1 @@\n+PasswordAuthentication no\n',
  );
});

test('no change gives an empty diff', (t) => {
  t.is(unifiedDiff('/etc/x', 'same\n', 'same\n'), '');
  t.deepEqual(diffStats('same\n', 'same\n'), { added: 0, removed: 0 });
});

test('a missing final newline is shown', (t) => {
  t.true(unifiedDiff('/etc/x', 'a\nb', 'a\nb\n').includes('\\ No newline at end of file'));
});

test('the patch applies back to the new content', (t) => {
  t.is(applyPatch(before, unifiedDiff('/etc/ssh/sshd_config', before, after)), after);
});

test('diffStats counts added and removed lines', (t) => {
  t.deepEqual(diffStats(before, after), { added: 1, removed: 1 });
  t.deepEqual(diffStats(null, 'a\nb\nc\n'), { added: 3, removed: 0 });
  t.deepEqual(diffStats('a\nb\nc\n', 'a\n'), { added: 0, removed: 2 });
  t.is(formatDiffStats({ added: 3, removed: 1 }), '+3 −1');
});
