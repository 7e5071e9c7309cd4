// The parsers of key rotation meet untrusted text (sshd's log, where a client
// chooses the user name; the rotation record in the state dir; an
// ExposeAuthInfo file): no input may make one throw, and a pathological log
// (long lines, many lines) is read in about linear time.
// HARDTOP_FUZZ_RUNS raises the case count (`npm run fuzz`).
import test from 'ava';
import * as fc from 'fast-check';
import { parseRotationRecord } from '../../checks/ssh/rotation-record';
import { parseListen } from '../../checks/ssh/server-listen';
import { loginOfConnection, parseAcceptedLogins, parseExposedAuthInfo, parseSshConnection } from '../../src/parse/sshd-accepted';

const RUNS = Number(process.env.HARDTOP_FUZZ_RUNS ?? 2000);
const PATHOLOGICAL_BUDGET_MS = 8000;

const LOG_TOKENS = ['Nov 28 19:01:03 web1 sshd[1234]: ', 'Accepted publickey for ', 'alice', ' from ', '198.51.100.7', ' port ', '50022', ' ssh2: ', 'ED25519', ' SHA256:', 'jWFRy3E4TTd3YsS7cY4I8Zv2DiZwgPsh9nlSbEE7HrY', ' ID ', '\n', '\r\n', ' ', '\x1b[2J', 'Invalid user '];

function tokenText(tokens: string[]): fc.Arbitrary<string> {
  return fc.array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 12 })), { maxLength: 60 }).map((p) => p.join(''));
}

test('sshd log, SSH_CONNECTION, ExposeAuthInfo, listen addresses: no input throws', (t) => {
  fc.assert(
    fc.property(fc.oneof(tokenText(LOG_TOKENS), fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
      const logins = parseAcceptedLogins(text);
      for (const l of logins) {
        // Whatever matched is well-formed.
        if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(l.fingerprint) || l.port < 1 || l.port > 65535 || /[\s\x00-\x1f]/.test(l.user)) throw new Error(`bad login ${JSON.stringify(l)}`);
      }
      const conn = parseSshConnection(text);
      if (conn) loginOfConnection(logins, conn);
      parseExposedAuthInfo(text);
      parseListen(text, [22]);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('rotation record: no input throws', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string({ maxLength: 300 }), fc.jsonValue().map((v) => JSON.stringify({ schema: 'hardtop.host-key-rotation/1', startedAt: '2026-01-01', retireAfter: '2026-01-02', graceDays: 1, old: v, new: v }))), (text) => {
      parseRotationRecord(text);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('a pathological log is read in about linear time', (t) => {
  const cases = [
    `${'Accepted publickey for '.repeat(200_000)}\n`,
    `Nov 28 19:01:03 web1 sshd[1]: Accepted publickey for a from b port 1 ssh2: ED25519 SHA256:${'A'.repeat(1_000_000)}\n`,
    'Nov 28 19:01:03 web1 sshd[1]: Accepted publickey for a from b port 1 ssh2: ED25519 SHA256:jWFRy3E4TTd3YsS7cY4I8Zv2DiZwgPsh9nlSbEE7HrY\n'.repeat(100_000),
  ];
  for (const text of cases) {
    const start = Date.now();
    parseAcceptedLogins(text);
    t.true(Date.now() - start < PATHOLOGICAL_BUDGET_MS, `${text.length} characters`);
  }
});
