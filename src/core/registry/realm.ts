import { environmentError } from '../errors';

/**
 * Where a registry may send us for a token. A realm on another host is normal (Docker Hub's is auth.docker.io),
 * but a registry must not be able to aim our credentials at this machine's network (a public registry naming
 * 127.0.0.1, 10.x or the cloud metadata address 169.254.169.254) or make us send them in clear text.
 * Only literal addresses are judged; names are not resolved here.
 */
export function checkRealm(registry: string, realm: URL, insecureRegistries: readonly string[]): void {
  const hint = 'Report it to the registry operator; do not use this registry with your credentials.';
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:')
    throw environmentError(
      `The registry ${registry} named a token service at ${realm.origin} (${realm.protocol}); refusing to ask it for a token.`,
      hint,
    );
  const registryHost = hostOf(registry);
  if (isPrivateHost(realm.hostname) && !isPrivateHost(registryHost))
    throw environmentError(
      `The registry ${registry} named a token service on a private address (${realm.origin}); refusing to send credentials there.`,
      hint,
    );
  const plainOk =
    isLoopbackHost(realm.hostname) ||
    insecureRegistries.includes(realm.host) ||
    insecureRegistries.includes(realm.hostname);
  if (realm.protocol === 'http:' && !plainOk)
    throw environmentError(
      `The registry ${registry} named a token service over plain HTTP (${realm.origin}); refusing to send credentials in clear text.`,
      `If that is intended, add ${realm.host} to releaseOperator.insecureRegistries.`,
    );
}

function hostOf(registry: string): string {
  return registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]' || host === '::1';
}

/** Loopback, RFC 1918, link-local, CGNAT, unspecified and IPv6 unique-local/link-local literals. */
function isPrivateHost(host: string): boolean {
  if (isLoopbackHost(host)) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = host.replace(/^\[|\]$/g, '').toLowerCase();
  return v6.includes(':') && (/^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6 === '::' || v6.startsWith('::ffff:'));
}
