import assert from 'node:assert/strict';
import type { AssetHost } from './asset-host';
import { compress, tarOf } from './archives';
import { FOREIGN, TRIXIE, fixtureFile } from './elf-fixtures';
import type { GitHubFake } from './github-fake';

const TAGS = '/repos/{owner}/{repo}/releases/tags/{tag}';
export const RELEASES = '/repos/{owner}/{repo}/releases';
const ASSETS = '/repos/{owner}/{repo}/releases/{release_id}/assets';
export const ASSET = '/repos/{owner}/{repo}/releases/assets/{asset_id}';

export interface Asset {
  name: string;
  bytes: Buffer;
}

/** The Release's assets: real archives of real binaries, and the files a release carries beside them. */
export async function releaseFiles(): Promise<Asset[]> {
  const trixieWc = fixtureFile(`${TRIXIE}/coreutils_amd64/usr/bin/wc`);
  const armLs = fixtureFile(`${FOREIGN}/coreutils_arm64/bin/ls`);
  return [
    {
      name: 'tool-1.2.3-x86_64-unknown-linux-gnu.tar.gz',
      bytes: compress(await tarOf([{ name: 'tool-1.2.3/tool', file: trixieWc, mode: 0o755 }]), 'gzip'),
    },
    {
      name: 'tool-1.2.3-aarch64-unknown-linux-gnu.tar.xz',
      bytes: compress(await tarOf([{ name: 'tool-1.2.3/tool', file: armLs, mode: 0o755 }]), 'xz'),
    },
    { name: 'tool-1.2.3-x86_64-apple-darwin.tar.gz', bytes: compress(Buffer.from('not read'), 'gzip') },
    { name: 'tool-1.2.3-x86_64-pc-windows-msvc.zip', bytes: Buffer.from('PK\u0005\u0006' + '\0'.repeat(18)) },
    { name: 'SHA256SUMS', bytes: Buffer.from('0123  tool-1.2.3-x86_64-unknown-linux-gnu.tar.gz\n') },
    { name: 'docs.tar.gz', bytes: compress(await tarOf([{ name: 'README.md', data: '# tool' }]), 'gzip') },
  ];
}

/** GitHub for one Release: by-tag (or only in the list, as a draft), its assets, and downloads through a 302. */
export function serveRelease(
  fake: GitHubFake,
  host: AssetHost,
  files: Asset[],
  opts: { draft?: boolean; tag?: string } = {},
) {
  const tag = opts.tag ?? 'v1.2.3';
  const release = {
    ...fake.example<Record<string, unknown>>('GET', TAGS),
    id: 42,
    tag_name: tag,
    draft: Boolean(opts.draft),
    prerelease: false,
  };
  const assetExample = fake.example<Array<Record<string, unknown>>>('GET', ASSETS)[0];
  const assets = files.map((f, i) => ({
    ...assetExample,
    id: 100 + i,
    name: f.name,
    size: f.bytes.length,
    state: 'uploaded',
    content_type: 'application/octet-stream',
  }));
  const urls = new Map(files.map((f, i) => [String(100 + i), host.put(f.name, f.bytes)]));
  fake.route('GET', TAGS, (req) =>
    !opts.draft && req.params.tag === tag
      ? { body: release }
      : { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } },
  );
  fake.route('GET', RELEASES, () => ({ body: [release] }));
  fake.route('GET', ASSETS, (req) => ({ body: req.params.release_id === '42' ? assets : [] }));
  fake.route('GET', ASSET, (req) => {
    assert.equal(req.headers.accept, 'application/octet-stream');
    const to = urls.get(req.params.asset_id);
    return to ? { status: 302, headers: { location: to } } : { status: 404, body: { message: 'Not Found' } };
  });
}
