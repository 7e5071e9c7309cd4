import test from 'ava';
import { isConfigFatal, parseSshdDiagnostics, parseSshdT, sshdTList, sshdTValue } from '../../src/parse/sshd-t';

test('sshd -T output: keys folded to lower case (10.4+ prints MixedCase), repeated keys kept in order', (t) => {
  const out = [
    'port 22',
    'PermitRootLogin no', // OpenSSH >= 10.4
    'hostkey /etc/ssh/ssh_host_rsa_key',
    'hostkey /etc/ssh/ssh_host_ed25519_key',
    'acceptenv LANG',
    'acceptenv LC_*',
    'ciphers chacha20-poly1305@openssh.com,aes128-ctr',
    'banner /etc/issue net',
    'authorizedprincipalsfile none',
    '',
  ].join('\n');
  const r = parseSshdT(out);
  t.is(sshdTValue(r, 'permitrootlogin'), 'no');
  t.is(sshdTValue(r, 'PORT'), '22');
  t.deepEqual(r.values.get('hostkey'), ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ed25519_key']);
  t.deepEqual(r.values.get('acceptenv'), ['LANG', 'LC_*']);
  t.deepEqual(sshdTList(r, 'ciphers'), ['chacha20-poly1305@openssh.com', 'aes128-ctr']);
  t.deepEqual(sshdTList(r, 'authorizedprincipalsfile'), []);
  t.is(sshdTValue(r, 'banner'), '/etc/issue net');
  t.is(sshdTValue(r, 'absent'), undefined);
});

test("sshd's diagnostics, as sshd 9.2 words them", (t) => {
  const stderr = [
    '/stage/etc/ssh/sshd_config: line 5: Bad configuration option: UseRoaming',
    '/stage/etc/ssh/sshd_config line 3: Deprecated option UsePrivilegeSeparation',
    'reprocess config line 31: Deprecated option RSAAuthentication',
    '/x.conf line 1: Unsupported option KerberosTgtPassing',
    '/x.conf line 2: unsupported option "maybe".',
    '/x.conf line 4: invalid quotes',
    "/x.conf line 6: Directive 'Ciphers' is not allowed within a Match block",
    '/x.conf: terminating, 2 bad configuration options',
    'Unable to load host key "/etc/ssh/k": bad permissions',
    'Unable to load host key: /etc/ssh/k',
    'sshd: no hostkeys available -- exiting.',
    'Missing privilege separation directory: /run/sshd',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
  ].join('\n');
  const d = parseSshdDiagnostics(stderr);
  t.deepEqual(
    d.map((x) => [x.kind, x.file, x.line, x.keyword, x.path, x.reason]),
    [
      ['bad-option', '/stage/etc/ssh/sshd_config', 5, 'UseRoaming', undefined, undefined],
      ['deprecated', '/stage/etc/ssh/sshd_config', 3, 'UsePrivilegeSeparation', undefined, undefined],
      ['deprecated', 'reprocess config', 31, 'RSAAuthentication', undefined, undefined],
      ['unsupported', '/x.conf', 1, 'KerberosTgtPassing', undefined, undefined],
      ['line-error', '/x.conf', 2, undefined, undefined, undefined],
      ['line-error', '/x.conf', 4, undefined, undefined, undefined],
      ['line-error', '/x.conf', 6, undefined, undefined, undefined],
      ['terminating', '/x.conf', undefined, undefined, undefined, undefined],
      ['host-key-unloadable', undefined, undefined, undefined, '/etc/ssh/k', 'bad permissions'],
      ['host-key-unloadable', undefined, undefined, undefined, '/etc/ssh/k', undefined],
      ['no-host-keys', undefined, undefined, undefined, undefined, undefined],
      ['privsep-dir-missing', undefined, undefined, undefined, undefined, undefined],
      ['other', undefined, undefined, undefined, undefined, undefined],
    ],
  );
  t.deepEqual(d.filter(isConfigFatal).map((x) => x.line), [5, 2, 4, 6]);
});
