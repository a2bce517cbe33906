/**
 * Generates the environment's certificates with the openssl CLI (Node cannot issue X.509): one CA,
 * the API server's serving certificate, client certificates per component, and the service-account
 * signing key. EC P-256 keys keep generation well under a second.
 * Must never reuse keys across environments: every `up` issues a fresh set in its own directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClientCert {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serving: ClientCert;
  /** kwok's kubelet server: the API server verifies it when it reads container logs. */
  kwokServing: ClientCert;
  admin: ClientCert;
  controllerManager: ClientCert;
  scheduler: ClientCert;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA's certificate and key, as files in `dir`, where what it issues is written too. */
export interface CaFiles {
  dir: string;
  caCert: string;
  caKey: string;
}

/** A fresh self-signed CA (30 days) in `dir`: ca.crt and ca.key. */
export async function createCa(dir: string, subject: string): Promise<CaFiles> {
  const caCert = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-days',
    '30',
    '-subj',
    subject,
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return { dir, caCert, caKey };
}

/** A certificate signed by `pki`'s CA, as `<name>.crt` and `<name>.key` in its directory. */
export async function issue(
  pki: CaFiles,
  name: string,
  subject: string,
  extensions: string[],
  days = 30,
): Promise<ClientCert> {
  const cert = join(pki.dir, `${name}.crt`);
  const key = join(pki.dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-days',
    String(days),
    '-subj',
    subject,
    '-keyout',
    key,
    '-out',
    cert,
    ...extensions.flatMap((e) => ['-addext', e]),
  ]);
  return { cert, key };
}

const CLIENT = ['keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];

export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa(dir, '/CN=fleetplane-testenv-ca');
  const { caCert, caKey } = ca;
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  const [serving, kwokServing, admin, controllerManager, scheduler] = await Promise.all([
    issue(ca, 'apiserver', '/CN=kube-apiserver', [
      // 10.0.0.1 is the `kubernetes` Service IP in --service-cluster-ip-range 10.0.0.0/24.
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ]),
    // kwok nodes advertise InternalIP 127.0.0.1, the address the API server dials for /containerLogs.
    issue(ca, 'kwok', '/CN=kwok', [
      'subjectAltName=IP:127.0.0.1',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ]),
    // system:masters bypasses RBAC: only the admin (tests, kwok) gets it; components get their own identities.
    issue(ca, 'admin', '/O=system:masters/CN=fleetplane-testenv-admin', CLIENT),
    issue(ca, 'controller-manager', '/CN=system:kube-controller-manager', CLIENT),
    issue(ca, 'scheduler', '/CN=system:kube-scheduler', CLIENT),
    run('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      serviceAccountKey,
    ]).then(() => run('openssl', ['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub])),
  ]);
  return {
    dir,
    caCert,
    caKey,
    serving,
    kwokServing,
    admin,
    controllerManager,
    scheduler,
    serviceAccountKey,
    serviceAccountPub,
  };
}

/** A kubeconfig with everything embedded, so it can be copied or base64-encoded on its own. */
export async function writeKubeconfig(
  path: string,
  server: string,
  caPem: string,
  client: { certPem: string; keyPem: string },
  user: string,
): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: fleetplane-testenv
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(caPem)}
users:
- name: ${user}
  user:
    client-certificate-data: ${b64(client.certPem)}
    client-key-data: ${b64(client.keyPem)}
contexts:
- name: fleetplane-testenv
  context:
    cluster: fleetplane-testenv
    user: ${user}
current-context: fleetplane-testenv
`,
    { mode: 0o600 },
  );
}
