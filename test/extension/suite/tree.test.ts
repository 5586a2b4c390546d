import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { defaultConfig } from '../../../src/core/config/load';
import { runProcess } from '../../../src/core/process/run';
import { RegistryClient } from '../../../src/core/registry';
import { formatSize } from '../../../src/core/size/units';
import { imageTagsSection } from '../../../src/extension/tree/images';
import type { ReleaseNode } from '../../../src/extension/tree/model';
import { ReleaseTreeProvider } from '../../../src/extension/tree/provider';
import { pushImage, tagManifest, useRegistry } from '../../helpers/registry';
import { api, child, fixture, nextTreeChange, root, tooltipText } from './api';

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

describe('Release tree (real git repository, real registry at 127.0.0.1:5000)', () => {
  it('shows the repository: GitHub owner/name from a remote not named origin, branch and HEAD', async () => {
    const repo = await root('repository');
    assert.equal(repo.label, 'acme/rocket');
    assert.equal(repo.description, `main @ ${fixture().head.slice(0, 7)}`);
    assert.match(tooltipText(repo), /remote `upstream`/);
  });

  it('shows the version, the tag plan of the next release, and where the scheme came from', async () => {
    const version = await root('version');
    const rows = await (await api()).tree.getChildren(version);
    const plan = rows.filter((n) => n.contextValue === 'plannedTag').map((n) => n.label);
    assert.deepEqual(plan, ['v1.2.3', 'v1.2', 'v1', 'latest', fixture().head.slice(0, 7)]);
    // No tags.*Prefix in the fixture's release-operator.json: both prefixes are inferred, and the view says so.
    assert.deepEqual(
      rows.filter((n) => n.contextValue === 'schemeBasis').map((n) => `${n.label} | ${n.description}`),
      [
        'git tags: prefix "v" | inferred from 2 of 2 version tags',
        'image tags: prefix "v" | inferred from 2 of 2 version tags',
      ],
    );
  });

  it('says the tag scheme verdict over all image tags first, with the prefix it used', async () => {
    const [first] = await (await api()).tree.getChildren(await root('images'));
    assert.equal(first.label, 'Tag scheme: pass');
    assert.equal(first.description, 'image tags: prefix "v", inferred from 2 of 2 version tags');
  });

  it('lists git tags newest first, each saying whether its image exists', async () => {
    const tags = await (await api()).tree.getChildren(await root('gittags'));
    assert.deepEqual(
      tags.map((t) => t.label),
      ['v1.2.3', 'v1.2.2'],
    );
    for (const t of tags) assert.match(t.description ?? '', /image ✓/, `${t.label}: ${t.description}`);
  });

  it('lists image tags with short digest and kind, and the platforms of an index as children', async () => {
    const f = fixture();
    const images = await root('images');
    assert.equal(images.description, f.image);
    const tag = await child(images, 'v1.2.3');
    assert.equal(tag.description, `${short(f.digests['v1.2.3'])} · index, 2 platforms`);
    assert.equal(tag.icon, 'package', 'no problem on a complete release');
    const platforms = await (await api()).tree.getChildren(tag);
    assert.deepEqual(
      platforms.map((p) => p.label),
      ['linux/amd64', 'linux/arm64'],
    );
    // Each platform with its compressed size: the sum of the layer sizes in its manifest, read here without the product.
    const [registry, ...path] = f.image.split('/');
    const sizeOf = async (digest: string) => {
      const r = await fetch(`http://${registry}/v2/${path.join('/')}/manifests/${digest}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      const m = (await r.json()) as { layers: Array<{ size: number }> };
      return formatSize(m.layers.reduce((n, l) => n + l.size, 0));
    };
    const sizes = [await sizeOf(f.digests.amd64), await sizeOf(f.digests.arm64)];
    assert.deepEqual(
      platforms.map((p) => p.description),
      [`${short(f.digests.amd64)} · ${sizes[0]}`, `${short(f.digests.arm64)} · ${sizes[1]}`],
    );
    assert.match(tooltipText(tag), new RegExp(`compressed: linux/amd64 ${sizes[0]}, linux/arm64 ${sizes[1]}`));
  });

  it('folds attestations under their platform and never shows unknown/unknown', async () => {
    const a = await api();
    const all = await a.tree.walk(4);
    assert.ok(all.length > 20, `walked ${all.length} nodes`);
    assert.deepEqual(
      all.filter((n) => /unknown/.test(n.label)).map((n) => n.id),
      [],
    );
    const amd64 = await child(await child(await root('images'), 'v1.2.3'), 'linux/amd64');
    const atts = await a.tree.getChildren(amd64);
    assert.deepEqual(
      atts.map((n) => n.label),
      ['Supply chain', 'attestation'],
    );
  });

  it('shows under each platform its supply chain: commit, builder, SBOM and signature verdict', async () => {
    const a = await api();
    const amd64 = await child(await child(await root('images'), 'v1.2.3'), 'linux/amd64');
    const rows = await a.tree.getChildren(await child(amd64, 'Supply chain'));
    assert.deepEqual(
      rows.map((n) => n.id.split('/').at(-1)),
      ['commit', 'builder', 'sbom', 'signature'],
    );
    // The fixture's image is unsigned and its attestation names no commit: said, with a warning, never a pass.
    const signature = rows.find((n) => n.label === 'signature')!;
    assert.equal(signature.description, 'no signature');
    assert.equal(signature.icon, 'warning');
  });

  it('shows labels on hover and marks a missing platform with a warning that says what is wrong', async () => {
    const images = await root('images');
    assert.match(tooltipText(await child(images, 'v1.2.3')), /org\.opencontainers\.image\.version`: 1\.2\.3/);
    const partial = await child(images, 'amd64-only');
    assert.equal(partial.icon, 'warning');
    assert.match(tooltipText(partial), /lacks platform linux\/arm64 \(has: linux\/amd64\)/);
    assert.match(partial.contextValue ?? '', /\bproblem\b/);
  });

  it('marks a drifted moving tag with what it points at and where the scheme says it should', async () => {
    const f = fixture();
    const [registry, repo] = [f.image.split('/')[0], f.image.split('/').slice(1).join('/')];
    const accept = 'application/vnd.oci.image.index.v1+json';
    const older = await fetch(`http://${registry}/v2/${repo}/manifests/v1.2.2`, { headers: { accept } });
    const put = (bytes: ArrayBuffer) =>
      fetch(`http://${registry}/v2/${repo}/manifests/v1`, {
        method: 'PUT',
        headers: { 'content-type': accept },
        body: Buffer.from(bytes),
      });
    const current = await (
      await fetch(`http://${registry}/v2/${repo}/manifests/v1`, { headers: { accept } })
    ).arrayBuffer();
    assert.equal((await put(await older.arrayBuffer())).status, 201);
    try {
      await vscode.commands.executeCommand('releaseOperator.refresh');
      const v1 = await child(await root('images'), 'v1');
      assert.equal(v1.icon, 'warning');
      assert.match(
        tooltipText(v1),
        /v1 points at v1\.2\.2 \(sha256:[0-9a-f]{12}\), an older release; the scheme says v1\.2\.3 \(sha256:[0-9a-f]{12}\)/,
      );
    } finally {
      assert.equal((await put(current)).status, 201);
      await vscode.commands.executeCommand('releaseOperator.refresh');
    }
    assert.equal((await child(await root('images'), 'v1')).icon, 'package');
  });

  it('gives menus what they need: digest to copy, reference for smoke and glibc', async () => {
    const tag = await child(await root('images'), 'v1.2.3');
    assert.equal(tag.data?.digest, fixture().digests['v1.2.3']);
    assert.match(tag.contextValue ?? '', /^imageTag\b.*\brollbackable\b/);
    await vscode.commands.executeCommand('releaseOperator.copyDigest', tag);
    assert.equal(await vscode.env.clipboard.readText(), fixture().digests['v1.2.3']);
    const arm = await child(tag, 'linux/arm64');
    assert.equal(arm.data?.platform, 'linux/arm64');
    assert.equal(arm.data?.reference, `${fixture().image}@${fixture().digests.arm64}`);
  });

  it('offers GitHub sign-in under Workflow runs when there is no token', async () => {
    const runs = await (await api()).tree.getChildren(await root('runs'));
    assert.equal(runs[0].contextValue, 'signIn');
    assert.equal(runs[0].command?.command, 'releaseOperator.signIn');
  });

  it('refreshes by itself when the repository gets a new tag', async () => {
    const a = await api();
    const ws = fixture().workspace;
    const changed = nextTreeChange(a, 'git tag v1.2.4');
    await runProcess('git', ['tag', 'v1.2.4'], { cwd: ws });
    try {
      await changed;
      const tags = await a.tree.getChildren(await root('gittags'));
      assert.equal(tags[0].label, 'v1.2.4');
      assert.match(tags[0].description ?? '', /no image/);
    } finally {
      await runProcess('git', ['tag', '-d', 'v1.2.4'], { cwd: ws });
    }
  });
});

describe('Image tags folder at scale (a registry of its own, 120 version tags and two others)', function () {
  const reg = useRegistry('none');
  const REPO = 'acme/many';
  // Pushed oldest first, so the registry's own (lexical) order is neither the pushing order nor newest first.
  const versions = Array.from({ length: 120 }, (_, i) => `v1.${Math.floor(i / 10)}.${i % 10}`);
  const digests = new Map<string, string>();

  before(async function () {
    this.timeout(120_000);
    const image = await pushImage(reg(), REPO, { platform: 'linux/amd64', labels: { v: 'many' } });
    for (const tag of [...versions, 'latest', 'nightly']) {
      await tagManifest(reg(), REPO, tag, image);
      digests.set(tag, image.digest);
    }
  });

  /** The section over the test's registry, in a provider of its own (the extension's tree shows the fixture). */
  const open = () => {
    const client = new RegistryClient({ credentials: async () => undefined });
    const section = imageTagsSection(`${reg().host}/${REPO}`, defaultConfig(), async () => client);
    const tree = new ReleaseTreeProvider(async () => [section]);
    return { section, tree, client };
  };
  const tagLabels = (kids: ReleaseNode[]) => kids.filter((k) => k.id.startsWith('image/')).map((k) => k.label);
  const newestFirst = [...versions].reverse();

  it('shows latest, then the newest versions first, 50 of them inspected, and a "Show more" node for the rest', async () => {
    const { section, tree, client } = open();
    const kids = await tree.getChildren(section);
    // The scheme's verdict comes first and rests on every tag, not only the ones shown.
    assert.match(kids[0].label, /^Tag scheme: /);
    assert.equal(kids[0].description, 'image tags: prefix "v", inferred from 120 of 120 version tags');
    assert.deepEqual(tagLabels(kids), ['latest', ...newestFirst.slice(0, 49)]);
    for (const k of kids.filter((n) => n.id.startsWith('image/')))
      assert.equal(k.data?.digest, digests.get(k.label), `${k.label} is shown with the digest its tag points at`);
    const more = kids.at(-1)!;
    assert.equal(more.label, 'Show 50 more');
    assert.equal(more.description, '50 of 122 tags shown');
    assert.equal(more.command?.command, 'releaseOperator.showMore');
    assert.deepEqual(more.command?.arguments, [more]);
    client.close();
  });

  it('loads the next tags on demand through the Show More command, then the last ones, and then offers no more', async () => {
    const { section, tree, client } = open();
    let kids = await tree.getChildren(section);
    const more = kids.at(-1)!;
    // The extension's own command, as a click on the node runs it: loads the next 50, then redraws the folder.
    await vscode.commands.executeCommand('releaseOperator.showMore', more);
    tree.refresh(section);
    kids = await tree.getChildren(section);
    assert.deepEqual(tagLabels(kids), ['latest', ...newestFirst.slice(0, 99)]);
    assert.equal(kids.at(-1)!.label, 'Show 22 more');
    assert.equal(kids.at(-1)!.description, '100 of 122 tags shown');
    await kids.at(-1)!.more!(new AbortController().signal);
    tree.refresh(section);
    kids = await tree.getChildren(section);
    // Versions newest first, then the tags that are neither moving nor versions.
    assert.deepEqual(tagLabels(kids), ['latest', ...newestFirst, 'nightly']);
    assert.equal(kids.filter((k) => k.id === 'images/more').length, 0, 'nothing left to load');
    assert.equal(new Set(kids.map((k) => k.id)).size, kids.length, 'no tag is shown twice');
    client.close();
  });
});
