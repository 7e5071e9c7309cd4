// The ssh area's fixes (CHECKS.md "Fix ids": ssh.server.harden,
// ssh.client.harden, ssh.rotate-host-keys, ssh.retire-host-keys,
// ssh.rotate-user-key, ssh.remove-authorized-key). Only ssh.server.harden is
// written so far; findings name a fix only once it exists here, so no key
// leads nowhere.

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from '../updates/finding';
import { hardenServer } from './fix-harden';

export const fixes: Fix[] = [hardenServer];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
