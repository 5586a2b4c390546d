/**
 * Signatures made at test time, in the shapes real tools write, signed with node:crypto by keys and certificates
 * from pki.ts (test code may construct signatures; the product only verifies):
 *   - Sigstore bundles v0.3 with a DSSE envelope of an in-toto statement (actions/attest, cosign v3);
 *   - cosign v2 `.sig` layers: a simple-signing payload with the signature, certificate and RFC 3161 timestamp
 *     in annotations; `.att` layers: a DSSE envelope with the same annotations.
 *
 *   statement(subjects, predicateType, predicate)       -> Buffer (in-toto v1 statement)
 *   dsseBundle(pki, signer, payload)                    -> Buffer (bundle JSON)
 *   simpleSigning(reference, digest)                    -> Buffer (cosign's payload)
 *   cosignSigLayer(pki, signer, payload)                -> ArtifactLayer
 *   cosignAttLayer(pki, signer, statementBytes, predicateType) -> ArtifactLayer
 * A signer is { leaf } (keyless: certificate + timestamp) or { key } (keyed: no certificate, no timestamp).
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { ArtifactLayer } from './artifacts';
import type { Leaf, TestPki } from './pki';

const IN_TOTO = 'application/vnd.in-toto+json';
export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export type Signer = { leaf: Leaf; key?: undefined } | { key: KeyObject; hint?: string; leaf?: undefined };

export function statement(
  subjects: Array<{ name?: string; digest: string }>,
  predicateType: string,
  predicate: unknown,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map((s) => ({ name: s.name ?? '', digest: { sha256: s.digest.replace(/^sha256:/, '') } })),
      predicateType,
      predicate,
    }),
  );
}

/** DSSE's pre-authentication encoding: what is signed. */
function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

const keyOf = (s: Signer) => (s.leaf ? s.leaf.key : s.key);

async function material(pki: TestPki, signer: Signer, signature: Buffer): Promise<Record<string, unknown>> {
  if (!signer.leaf) return { publicKey: { hint: signer.hint ?? '' }, tlogEntries: [] };
  const ts = await pki.timestamp(signature);
  return {
    certificate: { rawBytes: signer.leaf.der.toString('base64') },
    tlogEntries: [],
    timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: ts.toString('base64') }] },
  };
}

export async function dsseBundle(
  pki: TestPki,
  signer: Signer,
  payload: Buffer,
  options: { tamper?: (payload: Buffer) => Buffer } = {},
): Promise<Buffer> {
  const sig = sign('sha256', pae(IN_TOTO, payload), keyOf(signer));
  const sent = options.tamper ? options.tamper(payload) : payload;
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_V03,
      verificationMaterial: await material(pki, signer, sig),
      dsseEnvelope: {
        payload: sent.toString('base64'),
        payloadType: IN_TOTO,
        signatures: [{ sig: sig.toString('base64'), keyid: '' }],
      },
    }),
  );
}

export function simpleSigning(reference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

async function cosignAnnotations(pki: TestPki, signer: Signer, sig: Buffer): Promise<Record<string, string>> {
  const a: Record<string, string> = { 'dev.cosignproject.cosign/signature': sig.toString('base64') };
  if (signer.leaf) {
    a['dev.sigstore.cosign/certificate'] = signer.leaf.pem;
    a['dev.sigstore.cosign/chain'] = '';
    a['dev.sigstore.cosign/rfc3161timestamp'] = JSON.stringify({
      SignedRFC3161Timestamp: (await pki.timestamp(sig)).toString('base64'),
    });
  }
  return a;
}

/** A cosign v2 `.sig` layer; `rekor`: logged (the public-good path) with a Rekor bundle instead of a TSA timestamp. */
export async function cosignSigLayer(
  pki: TestPki,
  signer: Signer,
  payload: Buffer,
  options: { rekor?: boolean } = {},
): Promise<ArtifactLayer> {
  const sig = sign('sha256', payload, keyOf(signer));
  const annotations = await cosignAnnotations(pki, signer, sig);
  if (options.rekor && signer.leaf) {
    delete annotations['dev.sigstore.cosign/rfc3161timestamp'];
    annotations['dev.sigstore.cosign/bundle'] = pki.rekorBundle(sha256hex(payload), sig, signer.leaf.pem);
  }
  return { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', bytes: payload, annotations };
}

const sha256hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
