/**
 * Cryptographic verification of one signature or attestation, by @sigstore/verify (no cryptography here): Sigstore
 * bundles (referrers, GitHub's attestations API, cosign v3), cosign v2's `.sig` layers (a simple-signing payload with
 * the signature, certificate, Rekor bundle and RFC 3161 timestamp in annotations) and `.att` layers (a DSSE
 * envelope with the same annotations), the last two first put into the bundle shape the library verifies.
 * Keyless: the certificate chain against the trusted root at a verified signing time, then the identity policy.
 * Keyed: against the configured public keys. Nothing is "verified" without both the signature and the policy.
 */
import { createHash } from 'node:crypto';
import { assertBundle, bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { ASN1Obj } from '@sigstore/core';
import { Verifier, toSignedEntity, type Signer } from '@sigstore/verify';
import { identityProblem } from './policy';
import { TRUSTED_ROOT_HINT, type Trust } from './trust';
import type { PolicyInfo, SignatureVerdict, SignerInfo } from './types';
import { isObject } from './intoto';

export type Candidate =
  /** A Sigstore bundle as JSON (any version the library reads). */
  | { form: 'bundle'; json: unknown }
  /** A cosign v2 `.sig` layer: the payload bytes and the layer's annotations. */
  | { form: 'cosign-sig'; payload: Buffer; annotations: Record<string, string> }
  /** A cosign v2 `.att` layer: the DSSE envelope (JSON) and the layer's annotations. */
  | { form: 'cosign-att'; envelope: unknown; annotations: Record<string, string> };

export interface VerifyOutcome {
  verdict: Exclude<SignatureVerdict, 'absent'>;
  reason: string;
  signer?: SignerInfo;
  /** The signed bytes: the DSSE payload or the simple-signing payload (what the subject check reads). */
  payload?: Buffer;
  payloadType?: string;
}

export interface VerifyContext {
  trust: Trust;
  policy: PolicyInfo;
}

const ANN = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  rekor: 'dev.sigstore.cosign/bundle',
  timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
};

const OID_SOURCE_REPOSITORY_URI = '1.3.6.1.4.1.57264.1.12';
const OID_SOURCE_REPOSITORY_DIGEST = '1.3.6.1.4.1.57264.1.13';
const OID_SOURCE_REPOSITORY_REF = '1.3.6.1.4.1.57264.1.14';

export function verifyCandidate(c: Candidate, ctx: VerifyContext): VerifyOutcome {
  let bundle: Bundle;
  let artifact: Buffer | undefined;
  try {
    if (c.form === 'bundle') {
      bundle = bundleFromJSON(c.json);
      assertBundle(bundle);
    } else {
      bundle = bundleFromJSON(cosignBundleJson(c));
      if (c.form === 'cosign-sig') artifact = c.payload;
    }
  } catch (e) {
    return { verdict: 'invalid', reason: `not a readable Sigstore bundle: ${messageOf(e)}` };
  }
  if (bundle.content.$case === 'messageSignature' && !artifact)
    return {
      verdict: 'unverified',
      reason: 'a message-signature bundle without the signed payload beside it; nothing to check it against',
    };
  const payload = bundle.content.$case === 'dsseEnvelope' ? Buffer.from(bundle.content.dsseEnvelope.payload) : artifact;
  const payloadType = bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope.payloadType : undefined;
  const base = { payload, payloadType };
  const material = bundle.verificationMaterial.content;
  if (material.$case === 'publicKey') return { ...base, ...verifyKeyed(bundle, artifact, ctx) };
  if (!ctx.trust.root)
    return {
      ...base,
      verdict: 'unverified',
      reason: `keyless signature not checked: ${ctx.trust.status.reason}. ${TRUSTED_ROOT_HINT}`,
    };
  const verifier = new Verifier(ctx.trust.material(), {
    // The trust domain decides, as Sigstore's clients do: a root with logs wants their entries, one without
    // (GitHub's own, for private repositories) relies on its timestamp authority.
    tlogThreshold: ctx.trust.hasTlogs ? 1 : 0,
    ctlogThreshold: ctx.trust.hasCtlogs ? 1 : 0,
    timestampThreshold: 1,
  });
  let signer: Signer;
  try {
    signer = verifier.verify(toSignedEntity(bundle, artifact));
  } catch (e) {
    return { ...base, verdict: 'invalid', reason: failureReason(e) };
  }
  const info = signerInfo(signer);
  const problem = identityProblem(ctx.policy, info);
  if (problem) return { ...base, verdict: 'identity-mismatch', reason: problem, signer: info };
  return {
    ...base,
    verdict: 'verified',
    reason: `signed by ${info.identity} (issuer ${info.issuer}), verified against the ${ctx.trust.status.state === 'stale' ? 'STALE ' : ''}trusted root`,
    signer: info,
  };
}

function verifyKeyed(
  bundle: Bundle,
  artifact: Buffer | undefined,
  ctx: VerifyContext,
): Omit<VerifyOutcome, 'payload' | 'payloadType'> {
  const keys = ctx.trust.keys;
  if (!keys.length)
    return {
      verdict: 'unverified',
      reason: 'signed with a key, and no public key is configured (supplyChain.publicKeys)',
    };
  // A keyed signature needs no timestamp; one it carries is checked only when a trusted root can check it.
  if (!ctx.trust.root) {
    bundle.verificationMaterial.tlogEntries = [];
    bundle.verificationMaterial.timestampVerificationData = undefined;
  }
  const verifier = new Verifier(ctx.trust.material(), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  const failures: string[] = [];
  for (const k of keys) {
    if (bundle.verificationMaterial.content.$case === 'publicKey')
      bundle.verificationMaterial.content.publicKey.hint = k.hint;
    try {
      verifier.verify(toSignedEntity(bundle, artifact));
      return { verdict: 'verified', reason: `signed with the configured key ${k.name}`, signer: { key: k.name } };
    } catch (e) {
      failures.push(`${k.name}: ${failureReason(e)}`);
    }
  }
  return { verdict: 'invalid', reason: `does not verify with any configured key (${failures.join('; ')})` };
}

/** cosign v2's layer annotations as a Sigstore bundle (protobuf JSON form). */
function cosignBundleJson(c: Extract<Candidate, { form: 'cosign-sig' | 'cosign-att' }>): unknown {
  const a = c.annotations;
  const pems = [a[ANN.certificate], ...(a[ANN.chain] ?? '').split(/(?=-----BEGIN CERTIFICATE-----)/)]
    .map((p) => p?.trim())
    .filter((p): p is string => Boolean(p));
  const content = pems.length
    ? { x509CertificateChain: { certificates: pems.map((p) => ({ rawBytes: pemBase64(p) })) } }
    : { publicKey: { hint: '' } };
  const ts = parseJson(a[ANN.timestamp]);
  const stamp = isObject(ts) && typeof ts.SignedRFC3161Timestamp === 'string' ? ts.SignedRFC3161Timestamp : undefined;
  const verificationMaterial = {
    ...content,
    tlogEntries: rekorEntry(parseJson(a[ANN.rekor])),
    ...(stamp ? { timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: stamp }] } } : {}),
  };
  if (c.form === 'cosign-sig') {
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial,
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(c.payload).digest('base64') },
        signature: a[ANN.signature] ?? '',
      },
    };
  }
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial,
    dsseEnvelope: c.envelope,
  };
}

/** cosign's Rekor bundle annotation (SignedEntryTimestamp + Payload) as a tlog entry with an inclusion promise. */
function rekorEntry(json: unknown): unknown[] {
  if (!isObject(json) || !isObject(json.Payload) || typeof json.SignedEntryTimestamp !== 'string') return [];
  const p = json.Payload;
  const body = typeof p.body === 'string' ? p.body : '';
  const decoded = parseJson(Buffer.from(body, 'base64').toString('utf8'));
  const kind = isObject(decoded) ? decoded : {};
  return [
    {
      logIndex: scalar(p.logIndex),
      logId: { keyId: Buffer.from(scalar(p.logID), 'hex').toString('base64') },
      kindVersion: { kind: scalar(kind.kind), version: scalar(kind.apiVersion) },
      integratedTime: scalar(p.integratedTime),
      inclusionPromise: { signedEntryTimestamp: json.SignedEntryTimestamp },
      canonicalizedBody: body,
    },
  ];
}

function signerInfo(signer: Signer): SignerInfo {
  const oid = (id: string) => {
    const v = signer.identity?.oids?.find((o) => o.oid?.id.join('.') === id)?.value;
    if (!v) return undefined;
    try {
      return ASN1Obj.parseBuffer(Buffer.from(v)).value.toString('utf8');
    } catch {
      return Buffer.from(v).toString('utf8');
    }
  };
  return {
    identity: signer.identity?.subjectAlternativeName,
    issuer: signer.identity?.extensions?.issuer,
    sourceRepository: oid(OID_SOURCE_REPOSITORY_URI),
    sourceDigest: oid(OID_SOURCE_REPOSITORY_DIGEST),
    sourceRef: oid(OID_SOURCE_REPOSITORY_REF),
  };
}

/** A verification failure in words: the library's code and message, and its cause (the chain's real reason). */
function failureReason(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { message?: string } };
  const cause = err.cause?.message;
  switch (err.code) {
    case 'CERTIFICATE_ERROR':
      if (cause && /expired|not valid/.test(cause))
        return 'the signing certificate was not valid at the signing time (expired or not yet valid)';
      return `the certificate does not chain to the trusted root: ${cause ?? err.message}`;
    case 'SIGNATURE_ERROR':
      return 'the signature does not match the signed content (tampered, or signed by another key)';
    case 'TIMESTAMP_ERROR':
      return `the signing time could not be verified: ${err.message}`;
    case 'TLOG_ERROR':
      return `the transparency log entry does not verify: ${err.message}`;
    case 'PUBLIC_KEY_ERROR':
      return `public key: ${err.message}`;
    default:
      return messageOf(e);
  }
}

function messageOf(e: unknown): string {
  const err = e as { message?: string; fields?: string[] };
  return `${err.message ?? String(e)}${err.fields?.length ? ` (${err.fields.join(', ')})` : ''}`;
}

/** A number or string from JSON as text; anything else as empty. */
function scalar(v: unknown): string {
  return typeof v === 'number' || typeof v === 'string' ? String(v) : '';
}

function pemBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
