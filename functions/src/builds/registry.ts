/**
 * A small client of the OCI Distribution (Docker Registry v2) API: is an image there (HEAD on
 * its manifest, answering the digest), which tags a repository holds, delete a manifest, and
 * whether the credentials may push (an upload started and cancelled, for `fleetplane doctor`). It
 * authenticates as registries ask on a 401: `Basic` with the credentials of a Docker config, or
 * the token flow (`WWW-Authenticate: Bearer realm=…,service=…,scope=…`: fetch a token from the
 * realm with those credentials, then retry with it), which is how DigitalOcean's registry
 * answers. Tokens are kept per host and scope until they expire.
 *
 * Plain `fetch`, no Docker SDK. Must never log or return a credential or a token; a refused
 * credential is a SettingsError naming the setting it came from, an unreachable registry an
 * UnavailableError('registry').
 */

import { isPlainHttpRegistry } from '../core/agent-objects/build-job.ts';
import { SettingsError, UnavailableError } from '../core/errors.ts';
import type { RegistryCredentials } from './docker-config.ts';

/** Every manifest type an image may have: OCI and Docker, single-platform and multi-platform. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryClientOptions {
  /** Credentials for a registry host (from the Docker config), if any. */
  credentials?: (host: string) => RegistryCredentials | undefined;
  /** The setting the credentials come from, named in errors (never its value). */
  credentialSource?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** What the image side of the control plane needs of a registry (tests and gc use the rest). */
export interface RegistryReader {
  /** The manifest's digest (`sha256:…`), or undefined when the registry has no such tag. */
  manifestDigest(host: string, repository: string, reference: string): Promise<string | undefined>;
}

/** What deleting a tag did: it went, it was not there, or the registry cannot delete tags. */
export type TagDeletion = 'deleted' | 'missing' | 'unsupported';

/** All the control plane does with a registry: look up, and (gc) list tags and delete them. */
export interface Registry extends RegistryReader {
  tags(host: string, repository: string): Promise<string[]>;
  /** Removes one tag, never the image another tag names (OCI distribution spec 1.1). */
  deleteTag(host: string, repository: string, tag: string): Promise<TagDeletion>;
  deleteManifest(host: string, repository: string, digest: string): Promise<boolean>;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://…",service="…",scope="repository:a/b:pull,push"` -> scheme and params. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/([A-Za-z_]+)="([^"]*)"/g))
    params[(match[1] as string).toLowerCase()] = match[2] as string;
  return { scheme, params };
}

const basic = (credentials: RegistryCredentials) =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

/** Tokens are reused until a little before they expire; the spec's default lifetime is 60 s. */
const TOKEN_MARGIN_S = 10;

export class RegistryClient implements Registry {
  private readonly options: RegistryClientOptions;
  /** Authorization that worked, per host and scope, with when it stops working. */
  private readonly authorizations = new Map<string, { header: string; until: number }>();

  constructor(options: RegistryClientOptions = {}) {
    this.options = options;
  }

  private get source() {
    return this.options.credentialSource ?? 'the registry credentials';
  }

  private baseUrl(host: string) {
    return `${isPlainHttpRegistry(host) ? 'http' : 'https'}://${host}`;
  }

  private async send(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        redirect: 'follow',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new UnavailableError(
        'registry',
        `the registry is unreachable while trying to ${what} (${cause})`,
        5,
        {
          cause: error,
        },
      );
    }
  }

  /** A token from the realm the challenge names, for the scope it names (or ours). */
  private async token(
    host: string,
    challenge: Challenge,
    scope: string,
    what: string,
  ): Promise<{ header: string; seconds: number }> {
    const realm = challenge.params.realm;
    if (!realm)
      throw new SettingsError(`the registry ${host} asked for a token but named no realm; it cannot be used`);
    const realmUrl = new URL(realm);
    // Credentials go to the realm only over TLS, or to a loopback realm of a loopback registry.
    if (realmUrl.protocol !== 'https:' && !(isPlainHttpRegistry(host) && isPlainHttpRegistry(realmUrl.host)))
      throw new SettingsError(
        `the registry ${host} names a token realm that is not https (${realmUrl.origin}); refusing to send credentials there`,
      );
    if (challenge.params.service) realmUrl.searchParams.set('service', challenge.params.service);
    realmUrl.searchParams.set('scope', challenge.params.scope ?? scope);
    const credentials = this.options.credentials?.(host);
    const response = await this.send(
      realmUrl.toString(),
      { headers: credentials ? { authorization: basic(credentials) } : {} },
      `get a token to ${what}`,
    );
    if (response.status === 401 || response.status === 403)
      throw new SettingsError(
        credentials
          ? `the token service of ${host} refused the credentials in ${this.source} (HTTP ${response.status}); make a new docker config (doctl registry docker-config --read-write)`
          : `the registry ${host} needs credentials, and ${this.source} has none for it`,
      );
    if (!response.ok)
      throw new UnavailableError(
        'registry',
        `the token service of ${host} failed (HTTP ${response.status}) while trying to ${what}`,
      );
    const body = (await response.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token)
      throw new UnavailableError('registry', `the token service of ${host} answered without a token`);
    return { header: `Bearer ${token}`, seconds: body.expires_in ?? 60 };
  }

  /**
   * One request, authenticated as the registry asks: first with what worked before for this
   * scope; on a 401, per its challenge; a second 401 means the credentials are wrong.
   */
  private async request(
    host: string,
    path: string,
    init: { method: string; headers?: Record<string, string> },
    scope: string,
    what: string,
  ): Promise<Response> {
    const url = `${this.baseUrl(host)}${path}`;
    const key = `${host} ${scope}`;
    const known = this.authorizations.get(key);
    const attempt = (authorization?: string) =>
      this.send(
        url,
        { method: init.method, headers: { ...init.headers, ...(authorization ? { authorization } : {}) } },
        what,
      );
    let response = await attempt(known && known.until > Date.now() ? known.header : undefined);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    let header: string;
    let seconds = 3600;
    if (challenge?.scheme === 'bearer')
      ({ header, seconds } = await this.token(host, challenge, scope, what));
    else {
      const credentials = this.options.credentials?.(host);
      if (!credentials)
        throw new SettingsError(`the registry ${host} needs credentials, and ${this.source} has none for it`);
      header = basic(credentials);
    }
    response = await attempt(header);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new SettingsError(
        `the registry ${host} refused the credentials in ${this.source} to ${what} (HTTP ${response.status}); they need ${scope.split(':').at(-1)} access`,
      );
    }
    this.authorizations.set(key, {
      header,
      until: Date.now() + Math.max(0, seconds - TOKEN_MARGIN_S) * 1000,
    });
    return response;
  }

  private async failure(response: Response, what: string): Promise<never> {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    if (response.status >= 500 || response.status === 429)
      throw new UnavailableError('registry', `the registry failed to ${what} (HTTP ${response.status})`);
    throw new SettingsError(`the registry refused to ${what} (HTTP ${response.status}): ${text}`);
  }

  async manifestDigest(host: string, repository: string, reference: string): Promise<string | undefined> {
    const what = `look up ${host}/${repository}:${reference}`;
    const response = await this.request(
      host,
      `/v2/${repository}/manifests/${reference}`,
      { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } },
      `repository:${repository}:pull`,
      what,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) return this.failure(response, what);
    const digest = response.headers.get('docker-content-digest');
    if (digest) return digest;
    // The header is optional on HEAD: the digest is the hash of the manifest's bytes.
    const full = await this.request(
      host,
      `/v2/${repository}/manifests/${reference}`,
      { method: 'GET', headers: { accept: MANIFEST_ACCEPT } },
      `repository:${repository}:pull`,
      what,
    );
    if (!full.ok) return this.failure(full, what);
    const { createHash } = await import('node:crypto');
    return `sha256:${createHash('sha256')
      .update(Buffer.from(await full.arrayBuffer()))
      .digest('hex')}`;
  }

  /** Every tag of a repository, following `Link` pages; none when the repository does not exist. */
  async tags(host: string, repository: string): Promise<string[]> {
    const what = `list the tags of ${host}/${repository}`;
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (path) {
      const response = await this.request(
        host,
        path,
        { method: 'GET' },
        `repository:${repository}:pull`,
        what,
      );
      if (response.status === 404) return tags;
      if (!response.ok) return this.failure(response, what);
      tags.push(...(((await response.json()) as { tags?: string[] | null }).tags ?? []));
      path = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return tags;
  }

  /**
   * Proves the credentials may push to a repository without writing anything: starts a blob
   * upload (POST /v2/<repo>/blobs/uploads/, 202 with a Location) and cancels it (DELETE on that
   * Location). Answers whether the cancel was accepted; an upload left open expires by itself.
   */
  async probePush(host: string, repository: string): Promise<{ cancelled: boolean }> {
    const what = `start an upload to ${host}/${repository}`;
    const scope = `repository:${repository}:pull,push`;
    const started = await this.request(
      host,
      `/v2/${repository}/blobs/uploads/`,
      { method: 'POST' },
      scope,
      what,
    );
    if (started.status !== 202) return this.failure(started, what);
    await started.body?.cancel();
    const location = started.headers.get('location');
    if (!location) return { cancelled: false };
    const upload = new URL(location, `${this.baseUrl(host)}/`);
    const cancel = await this.request(
      host,
      `${upload.pathname}${upload.search}`,
      { method: 'DELETE' },
      scope,
      `cancel the upload to ${host}/${repository}`,
    );
    await cancel.body?.cancel();
    return { cancelled: cancel.ok };
  }

  /**
   * Deletes one tag (`DELETE /v2/<name>/manifests/<tag>`); the image stays for every other tag
   * that names it. Registries that cannot delete tags answer 405 or UNSUPPORTED.
   */
  async deleteTag(host: string, repository: string, tag: string): Promise<TagDeletion> {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new Error(`not an image tag: ${tag}`);
    const what = `delete the tag ${host}/${repository}:${tag}`;
    const response = await this.request(
      host,
      `/v2/${repository}/manifests/${tag}`,
      { method: 'DELETE' },
      `repository:${repository}:delete`,
      what,
    );
    if (response.status === 404) {
      await response.body?.cancel();
      return 'missing';
    }
    if (response.status === 405) {
      await response.body?.cancel();
      return 'unsupported';
    }
    if (response.status === 400) {
      const text = await response.text().catch(() => '');
      if (/UNSUPPORTED/.test(text)) return 'unsupported';
      throw new SettingsError(`the registry refused to ${what} (HTTP 400): ${text.slice(0, 300)}`);
    }
    if (!response.ok) return this.failure(response, what);
    await response.body?.cancel();
    return 'deleted';
  }

  /** Deletes a manifest by digest (every tag pointing at it goes with it); false when already gone. */
  async deleteManifest(host: string, repository: string, digest: string): Promise<boolean> {
    const what = `delete ${host}/${repository}@${digest}`;
    const response = await this.request(
      host,
      `/v2/${repository}/manifests/${digest}`,
      { method: 'DELETE' },
      `repository:${repository}:delete`,
      what,
    );
    if (response.status === 404) return false;
    if (!response.ok) return this.failure(response, what);
    await response.body?.cancel();
    return true;
  }
}
