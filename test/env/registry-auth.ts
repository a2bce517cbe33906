/**
 * Credentials for the test environment's registries: a fresh user and password per environment,
 * the htpasswd line distribution checks them against, and the docker-config JSON clients read
 * (the shape `doctl registry docker-config` gives for DigitalOcean's registry).
 * Must never reuse a password across environments, and never log one.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { RegistryAuth } from './types.ts';

export function newRegistryAuth(username = 'fleetplane-test'): RegistryAuth {
  return { username, password: randomBytes(18).toString('base64url') };
}

/**
 * `user:<bcrypt hash>`: distribution accepts only bcrypt. Cost 4, the minimum, because the
 * registry runs bcrypt on every request it authenticates; a test password needs no slow hash.
 */
export function htpasswdLine(auth: RegistryAuth): string {
  return `${auth.username}:${bcrypt.hashSync(auth.password, 4)}\n`;
}

export function basicAuthorization(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** `{"auths":{"<host>":{"auth":"<base64 user:pass>"}}}`, what crane, Kaniko and docker read. */
export function dockerConfigJson(host: string, auth: RegistryAuth): string {
  const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  return JSON.stringify({ auths: { [host]: { auth: encoded } } });
}
