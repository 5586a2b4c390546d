import { readFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { environmentError } from '../errors';

/**
 * CAs of a registry's own (`registry.certificates`: host[:port] -> PEM file), as Docker keeps them in
 * /etc/docker/certs.d/<host>/ca.crt. A registry listed there is reached over TLS even on loopback, trusting that CA
 * besides the system's and NODE_EXTRA_CA_CERTS (giving Node a `ca` replaces its defaults, so they are added back).
 */
export interface RegistryTrust {
  /** Hosts with a CA of their own: reached over https whatever their address. */
  readonly hosts: readonly string[];
  /**
   * A TLS context trusting every CA for `host`, or undefined when it has none of its own (Node's defaults apply).
   * Made once per host: parsing the system's 140-odd roots for each connection would cost more than a round trip.
   */
  contextFor(host: string): Promise<tls.SecureContext | undefined>;
}

export function registryTrust(
  certificates: Readonly<Record<string, string>>,
  options: { root?: string; env?: NodeJS.ProcessEnv } = {},
): RegistryTrust {
  const cache = new Map<string, Promise<tls.SecureContext>>();
  const env = options.env ?? process.env;
  return {
    hosts: Object.keys(certificates),
    contextFor(host) {
      const file = certificates[host];
      if (!file) return Promise.resolve(undefined);
      let p = cache.get(host);
      if (!p) {
        p = load(host, path.resolve(options.root ?? process.cwd(), file), env.NODE_EXTRA_CA_CERTS).then(trusting);
        cache.set(host, p);
        p.catch(() => cache.delete(host));
      }
      return p;
    },
  };
}

/**
 * A context trusting Node's own roots (the system's, and NODE_EXTRA_CA_CERTS as Node read it at start) and `ca`.
 * Node's `ca` option replaces the roots, and handing the 140-odd roots back as PEM text costs 20-40 ms of parsing
 * (measured: 18 ms idle, 36-42 ms under load; a round trip of a 50 ms link); adding `ca` to a context made with the
 * defaults copies the roots Node parsed once and parses only `ca` (1.5 ms). That uses the context's native `addCACert`,
 * which is what Node's own `ca` option calls; where a Node lacks it, the PEM route is taken.
 */
function trusting(ca: { own: string[]; all: () => string[] }): tls.SecureContext {
  const ctx = tls.createSecureContext();
  const native = (ctx as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== 'function') return tls.createSecureContext({ ca: ca.all() });
  for (const pem of ca.own) native.addCACert(pem);
  return ctx;
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

async function load(
  host: string,
  file: string,
  extra: string | undefined,
): Promise<{ own: string[]; all: () => string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw environmentError(
      `The CA certificate of the registry ${host} cannot be read: ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      `Fix "registry.certificates" in release-operator.json (or the releaseOperator.registry.certificates setting) for ${host}.`,
    );
  }
  const own = text.match(PEM) ?? [];
  if (!own.length)
    throw environmentError(
      `The CA certificate file of the registry ${host} (${file}) holds no PEM certificate.`,
      'Give a PEM file (-----BEGIN CERTIFICATE-----) in "registry.certificates".',
    );
  const more = extra
    ? await readFile(extra, 'utf8').then(
        (t) => t.match(PEM) ?? [],
        () => [],
      )
    : [];
  return { own, all: () => [...own, ...tls.rootCertificates, ...more] };
}
