// The ssh area's fixes (CHECKS.md "Fix ids": ssh.server.harden,
// ssh.client.harden, ssh.rotate-host-keys, ssh.retire-host-keys,
// ssh.rotate-user-key, ssh.remove-authorized-key). Findings name a fix only
// once it exists here (fix-offer.ts), so no key leads nowhere.

import type { Fix } from '../../src/core/types';
import { hardenClient } from './fix-client-harden';
import { hardenServer } from './fix-harden';
import { removeAuthorizedKey } from './fix-remove-authorized-key';
import { retireHostKeys } from './fix-retire-host-keys';
import { rotateHostKeys } from './fix-rotate-host-keys';
import { rotateUserKey } from './fix-rotate-user-key';

export const fixes: Fix[] = [hardenServer, hardenClient, rotateHostKeys, retireHostKeys, rotateUserKey, removeAuthorizedKey];

export { offer, SSH_FIX_IDS } from './fix-offer';
