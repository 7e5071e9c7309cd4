// FileStat.ino: what tells "the same file under two names" (hard links) from
// "a new file under the old name" (apt-get update, atomic writes rename over).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { link, put, tempDir } from './helpers';

for (const rooted of [false, true]) {
  test(`${rooted ? 'under --root' : 'on /'}: hard links share ino, a file renamed over the name gets a new one`, async (t) => {
    const dir = tempDir(t);
    const real = put(dir, 'lists/a_Packages', 'Package: a\n');
    fs.linkSync(real, path.join(dir, 'lists/b_Packages'));
    link(dir, 'lists/c_link', 'a_Packages');
    const host = createLocalHost(rooted ? { root: dir } : {});
    const at = (rel: string) => (rooted ? `/${rel}` : path.join(dir, rel));

    const a = await host.stat(at('lists/a_Packages'));
    const b = await host.lstat(at('lists/b_Packages'));
    t.is(typeof a?.ino, 'number');
    t.is(a?.ino, fs.statSync(real).ino);
    t.is(b?.ino, a?.ino, 'two hard links are one inode');
    t.is((await host.stat(at('lists/c_link')))?.ino, a?.ino, 'stat follows the link');
    t.not((await host.lstat(at('lists/c_link')))?.ino, a?.ino, 'lstat is the link itself');

    // Replace the name as apt and atomic writes do: a new file renamed over it.
    const tmp = put(dir, 'lists/a_Packages.new', 'Package: a\nVersion: 2\n');
    fs.renameSync(tmp, real);
    const replaced = await host.stat(at('lists/a_Packages'));
    t.not(replaced?.ino, a?.ino, 'renamed over: a different inode');
    t.is((await host.stat(at('lists/b_Packages')))?.ino, a?.ino, 'the other link still holds the old file');
    // read() reports the same stat.
    const r = await host.read(at('lists/a_Packages'));
    t.true(r.ok && r.stat.ino === replaced?.ino);
  });
}
