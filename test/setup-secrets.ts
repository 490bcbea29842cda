// Integration tests encrypt stored secrets with a fresh random key, as a new instance would.
import { randomBytes } from 'node:crypto';
import { setSecretKey } from '@/server/secrets/crypto';

setSecretKey(randomBytes(32));
