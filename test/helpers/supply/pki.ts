/**
 * A Sigstore-shaped PKI made at test time with the real `openssl` (the test bed has it): a root CA that plays
 * Fulcio, leaf certificates with Fulcio's extensions for a GitHub Actions identity (any issuer, identity, source
 * repository and validity window a test asks for), a timestamp authority whose RFC 3161 answers come from
 * `openssl ts -reply`, a trusted_root.json naming them, and plain keys for keyed signing. Test code signs with
 * node:crypto; the product only verifies (with @sigstore/verify).
 *
 *   const pki = await createPki(dir)
 *   const leaf = await pki.leaf({ identity, issuer?, sourceRepository?, notBefore?, notAfter? })
 *       -> { key (node KeyObject), pem, der }
 *   const ts = await pki.timestamp(signatureBytes)      -> DER TimeStampResp over sha256(signature)
 *   pki.trustedRoot()                                   -> the trusted root JSON (CA + TSA)
 *   pki.keyPair()                                        -> { privateKey, publicPem } for keyed signing
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** Fulcio's certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
const OID = {
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  issuerV2: '1.3.6.1.4.1.57264.1.8',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
};

export interface LeafOptions {
  /** The SAN URI: a GitHub workflow identity, https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.2.3 */
  identity: string;
  issuer?: string;
  sourceRepository?: string;
  sourceDigest?: string;
  sourceRef?: string;
  /** Validity window; default: from an hour ago to an hour from now (the timestamp is taken now). */
  notBefore?: Date;
  notAfter?: Date;
}

export interface Leaf {
  key: KeyObject;
  pem: string;
  der: Buffer;
}

export interface TestPki {
  dir: string;
  rootDer: Buffer;
  tsaDer: Buffer;
  leaf(options: LeafOptions): Promise<Leaf>;
  timestamp(signature: Buffer): Promise<Buffer>;
  /**
   * A Rekor-style log entry for a signature, as cosign v2 puts it in its `dev.sigstore.cosign/bundle` annotation: a
   * hashedrekord body and a SignedEntryTimestamp by this PKI's log key, integrated now.
   */
  rekorBundle(payloadSha256Hex: string, signature: Buffer, certPem: string): string;
  /** With `tlog`, the root lists the log (and its entries are then required); `tsa: false` leaves the TSA out. */
  trustedRoot(options?: { tlog?: boolean; tsa?: boolean }): Record<string, unknown>;
  keyPair(): { privateKey: KeyObject; publicPem: string };
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await runProcess('openssl', args, { cwd, timeoutMs: 30_000, missingHint: 'apt-get install -y openssl' });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** openssl ca's date form: YYYYMMDDHHMMSSZ. */
const caDate = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');

const hexColons = (v: string) => (Buffer.from(v).toString('hex').match(/../g) ?? []).join(':');

const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');

export async function createPki(dir: string): Promise<TestPki> {
  mkdirSync(path.join(dir, 'ca', 'certs'), { recursive: true });
  const ca = path.join(dir, 'ca');
  writeFileSync(path.join(ca, 'index.txt'), '');
  writeFileSync(path.join(ca, 'serial'), '1000\n');
  writeFileSync(
    path.join(ca, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `dir = ${ca}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir/certs',
      'certificate = $dir/root.pem',
      'private_key = $dir/root.key',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      'email_in_dn = no',
      '[any]',
      'organizationName = optional',
      'commonName = optional',
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'O = release-operator-test',
      '[root_ext]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '[tsa_ext]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = critical, timeStamping',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await openssl(['genpkey', ...ec, '-out', 'root.key'], ca);
  const now = Date.now();
  const later = caDate(new Date(now + 24 * 3600_000));
  await openssl(
    [
      'req',
      '-new',
      '-x509',
      '-key',
      'root.key',
      '-out',
      'root.pem',
      '-days',
      '2',
      '-config',
      'ca.cnf',
      '-extensions',
      'root_ext',
      '-subj',
      '/O=release-operator-test/CN=test-fulcio-root',
      '-set_serial',
      '1',
    ],
    ca,
  );
  // The root starts now; certificates it signs must not start before it, so the CA signs with -startdate now.
  await openssl(['genpkey', ...ec, '-out', 'tsa.key'], ca);
  await openssl(
    [
      'req',
      '-new',
      '-key',
      'tsa.key',
      '-out',
      'tsa.csr',
      '-config',
      'ca.cnf',
      '-subj',
      '/O=release-operator-test/CN=test-tsa',
    ],
    ca,
  );
  await openssl(
    [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-in',
      'tsa.csr',
      '-out',
      'tsa.pem',
      '-extensions',
      'tsa_ext',
      '-startdate',
      caDate(new Date(now - 60_000)),
      '-enddate',
      later,
      '-notext',
    ],
    ca,
  );
  writeFileSync(
    path.join(ca, 'ts.cnf'),
    [
      '[tsa]',
      'default_tsa = tsa1',
      '[tsa1]',
      `dir = ${ca}`,
      'serial = $dir/tsaserial',
      'crypto_device = builtin',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.57264.2',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(ca, 'tsaserial'), '01\n');
  const rootPem = readFileSync(path.join(ca, 'root.pem'), 'utf8');
  const tsaPem = readFileSync(path.join(ca, 'tsa.pem'), 'utf8');
  const rootDer = pemToDer(rootPem);
  const tsaDer = pemToDer(tsaPem);
  let n = 0;
  const log = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const logDer = log.publicKey.export({ type: 'spki', format: 'der' });
  const logId = createHash('sha256').update(logDer).digest();

  return {
    dir,
    rootDer,
    tsaDer,
    async leaf(o) {
      const id = `leaf${++n}`;
      const utf8 = (v: string) => `ASN1:UTF8String:${v}`;
      const ext = [
        '[leaf_ext]',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = codeSigning',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        `subjectAltName = critical, URI:${o.identity}`,
        // v1 holds the raw string, v2 a DER UTF8String (Fulcio writes both).
        `${OID.issuerV1} = DER:${hexColons(o.issuer ?? GITHUB_ISSUER)}`,
        `${OID.issuerV2} = ${utf8(o.issuer ?? GITHUB_ISSUER)}`,
        ...(o.sourceRepository ? [`${OID.sourceRepositoryUri} = ${utf8(o.sourceRepository)}`] : []),
        ...(o.sourceDigest ? [`${OID.sourceRepositoryDigest} = ${utf8(o.sourceDigest)}`] : []),
        ...(o.sourceRef ? [`${OID.sourceRepositoryRef} = ${utf8(o.sourceRef)}`] : []),
        '',
      ].join('\n');
      writeFileSync(path.join(ca, `${id}.ext`), ext);
      await openssl(['genpkey', ...ec, '-out', `${id}.key`], ca);
      await openssl(
        ['req', '-new', '-key', `${id}.key`, '-out', `${id}.csr`, '-config', 'ca.cnf', '-subj', '/O=sigstore.dev'],
        ca,
      );
      await openssl(
        [
          'ca',
          '-batch',
          '-config',
          'ca.cnf',
          '-in',
          `${id}.csr`,
          '-out',
          `${id}.pem`,
          '-extfile',
          `${id}.ext`,
          '-extensions',
          'leaf_ext',
          '-notext',
          '-startdate',
          caDate(o.notBefore ?? new Date(now - 60_000)),
          '-enddate',
          caDate(o.notAfter ?? new Date(now + 3600_000)),
        ],
        ca,
      );
      const pem = readFileSync(path.join(ca, `${id}.pem`), 'utf8');
      return { key: createPrivateKey(readFileSync(path.join(ca, `${id}.key`))), pem, der: pemToDer(pem) };
    },
    async timestamp(signature) {
      const id = `ts${++n}`;
      writeFileSync(path.join(ca, `${id}.sig`), signature);
      await openssl(['ts', '-query', '-data', `${id}.sig`, '-sha256', '-cert', '-out', `${id}.tsq`], ca);
      await openssl(
        [
          'ts',
          '-reply',
          '-config',
          'ts.cnf',
          '-queryfile',
          `${id}.tsq`,
          '-inkey',
          'tsa.key',
          '-signer',
          'tsa.pem',
          '-out',
          `${id}.tsr`,
        ],
        ca,
      );
      return readFileSync(path.join(ca, `${id}.tsr`));
    },
    rekorBundle(payloadSha256Hex, signature, certPem) {
      const body = Buffer.from(
        JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'hashedrekord',
          spec: {
            data: { hash: { algorithm: 'sha256', value: payloadSha256Hex } },
            signature: {
              content: signature.toString('base64'),
              publicKey: { content: Buffer.from(certPem).toString('base64') },
            },
          },
        }),
      ).toString('base64');
      const entry = {
        body,
        integratedTime: Math.floor(Date.now() / 1000),
        logID: logId.toString('hex'),
        logIndex: ++n,
      };
      // Rekor signs the canonical JSON of exactly these four keys (sorted: body, integratedTime, logID, logIndex).
      const set = sign('sha256', Buffer.from(JSON.stringify(entry)), log.privateKey).toString('base64');
      return JSON.stringify({ SignedEntryTimestamp: set, Payload: entry });
    },
    trustedRoot(options = {}) {
      const start = new Date(now - 3600_000).toISOString();
      return {
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: options.tlog
          ? [
              {
                baseUrl: 'https://rekor.test.invalid',
                hashAlgorithm: 'SHA2_256',
                publicKey: {
                  rawBytes: logDer.toString('base64'),
                  keyDetails: 'PKIX_ECDSA_P256_SHA_256',
                  validFor: { start },
                },
                logId: { keyId: logId.toString('base64') },
              },
            ]
          : [],
        ctlogs: [],
        certificateAuthorities: [
          {
            subject: { organization: 'release-operator-test', commonName: 'test-fulcio-root' },
            uri: 'https://fulcio.test.invalid',
            certChain: { certificates: [{ rawBytes: rootDer.toString('base64') }] },
            validFor: { start },
          },
        ],
        timestampAuthorities:
          (options.tsa ?? true)
            ? [
                {
                  subject: { organization: 'release-operator-test', commonName: 'test-tsa' },
                  uri: 'https://tsa.test.invalid',
                  certChain: {
                    certificates: [{ rawBytes: tsaDer.toString('base64') }, { rawBytes: rootDer.toString('base64') }],
                  },
                  validFor: { start },
                },
              ]
            : [],
      };
    },
    keyPair() {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    },
  };
}
