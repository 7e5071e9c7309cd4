import test from 'ava';
import { execFileSync } from 'node:child_process';
import { compareDebianVersions } from '../../src/parse/deb-version';

const sign = (n: number) => Math.sign(n);

test('Debian ordering: numbers as numbers, ~ before everything, epochs first', (t) => {
  const ordered = ['1.0~rc1', '1.0', '1.0-1', '1.0-1+deb12u1', '1.0-2', '1.0a', '1.1', '1.10', '1:0.1'];
  for (let i = 0; i + 1 < ordered.length; i++) {
    t.is(sign(compareDebianVersions(ordered[i], ordered[i + 1])), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    t.is(sign(compareDebianVersions(ordered[i + 1], ordered[i])), 1);
  }
  t.is(compareDebianVersions('2.9.1+nmu3', '2.9.1+nmu3'), 0);
  t.is(compareDebianVersions('1.01', '1.1'), 0, 'leading zeros do not count');
});

test('kernel releases: 6.1.0-9 < 6.1.0-26 < 6.1.0-27 although text order says otherwise', (t) => {
  t.true(compareDebianVersions('6.1.0-9-amd64', '6.1.0-26-amd64') < 0);
  t.true(compareDebianVersions('6.1.0-27-amd64', '6.1.0-26-amd64') > 0);
  t.true(compareDebianVersions('5.14.0-427.13.1.el9_4.x86_64', '5.14.0-503.11.1.el9_5.x86_64') < 0);
});

function dpkgAvailable(): boolean {
  try {
    execFileSync('dpkg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

(dpkgAvailable() ? test : test.skip)('agrees with dpkg --compare-versions', (t) => {
  const versions = ['0', '1.0~~', '1.0~', '1.0', '1.0+', '1.0-0', '1.0-1~bpo', '1.0-1', '1:0.9', '2:0', '1.0a', '1.0.', '1.0-a', 'a', 'A', '1-1-1', '1.0-1-amd64', '6.1.0-26-cloud-amd64'];
  for (const a of versions) {
    for (const b of versions) {
      const ours = compareDebianVersions(a, b);
      let dpkgLess = false;
      try {
        execFileSync('dpkg', ['--compare-versions', a, 'lt', b], { stdio: 'ignore' });
        dpkgLess = true;
      } catch {
        dpkgLess = false;
      }
      t.is(ours < 0, dpkgLess, `${a} < ${b}`);
    }
  }
});
