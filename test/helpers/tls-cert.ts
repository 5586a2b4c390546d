import path from 'node:path';
import { runProcess } from '../../src/core/process/run';

/**
 * A self-signed certificate made now with openssl (RSA 2048, valid two days; its own CA): `name.key` and `name.pem`
 * in dir. With san, it names those addresses (e.g. "IP:127.0.0.1,DNS:localhost").
 */
export async function selfSignedCertificate(
  dir: string,
  name: string,
  options: { subject: string; san?: string },
): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2'];
  args.push('-subj', options.subject);
  if (options.san) args.push('-addext', `subjectAltName=${options.san}`);
  const r = await runProcess('openssl', args, {
    timeoutMs: 60_000,
    missingHint: 'Set up the test bed: bash test/testbed/setup.sh',
  });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return { key, cert };
}
