// The ssh area's fixes (CHECKS.md "Fix ids": ssh.server.harden,
// ssh.client.harden, ssh.rotate-host-keys, ssh.retire-host-keys,
// ssh.rotate-user-key, ssh.remove-authorized-key). ssh.client.harden is not
// written yet; findings name a fix only once it exists here, so no key leads
// nowhere.

import type { Fix } from '../../src/core/types';
import { hardenServer } from './fix-harden';
import { removeAuthorizedKey } from './fix-remove-authorized-key';
import { retireHostKeys } from './fix-retire-host-keys';
import { rotateHostKeys } from './fix-rotate-host-keys';
import { rotateUserKey } from './fix-rotate-user-key';

export const fixes: Fix[] = [hardenServer, rotateHostKeys, retireHostKeys, rotateUserKey, removeAuthorizedKey];

export { offer, SSH_FIX_IDS } from './fix-offer';
