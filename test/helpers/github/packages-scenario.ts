import type { FakeRequest, FakeResponse, GitHubFake } from '../github-fake';
import { deleteManifestDirect, type TestRegistry } from '../registry';

/**
 * ghcr.io's two faces over one real registry: the registry API is the test registry itself, and the GitHub
 * Packages API (in the fake, checked against GitHub's description) lists its manifests as package versions the
 * way ghcr.io does: every manifest is a version named by its digest, carrying its tags; an index's platform and
 * attestation manifests are untagged versions of their own. Deleting a version deletes the manifest in the
 * registry. Versions once seen are remembered, so an untagged orphan stays listed while the registry has it.
 */
export interface PackagesScenarioOptions {
  org: string;
  name: string;
  registry: TestRegistry;
  /** Repository path in the registry (default org/name). */
  repository?: string;
  visibility?: 'public' | 'private';
  /** Versions GitHub refuses to delete (a public package with more than 5,000 downloads). */
  refuse?: Set<string>;
  /** created_at of versions, by digest; others get a fixed time (never today's date). */
  createdAt?: Map<string, string>;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export class PackagesScenario {
  private readonly ids = new Map<string, number>();
  private nextId = 1000;
  readonly deleted: Array<{ id: number; digest: string }> = [];
  private readonly repository: string;

  constructor(
    fake: GitHubFake,
    private readonly o: PackagesScenarioOptions,
  ) {
    this.repository = o.repository ?? `${o.org}/${o.name}`;
    const mine = (r: FakeRequest) =>
      r.params.org === o.org && r.params.package_name === o.name && r.params.package_type === 'container';
    const notFound: FakeResponse = { status: 404, body: { message: 'Package not found.', status: '404' } };
    fake.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}', (r, f) => {
      if (!mine(r)) return notFound;
      const body = f.example('GET', '/orgs/{org}/packages/{package_type}/{package_name}');
      return {
        body: { ...body, name: o.name, visibility: o.visibility ?? 'private', owner: { ...body.owner, login: o.org } },
      };
    });
    fake.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}/versions', async (r) => {
      if (!mine(r)) return notFound;
      const all = await this.versions();
      const perPage = Number(r.query.get('per_page') ?? 30);
      const page = Number(r.query.get('page') ?? 1);
      return { body: all.slice((page - 1) * perPage, page * perPage) };
    });
    fake.route(
      'DELETE',
      '/orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}',
      async (r) => {
        if (!mine(r)) return notFound;
        const id = Number(r.params.package_version_id);
        const digest = [...this.ids].find(([, v]) => v === id)?.[0];
        if (!digest) return notFound;
        if (o.refuse?.has(digest))
          return {
            status: 400,
            body: {
              message:
                'Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.',
            },
          };
        const status = await deleteManifestDirect(o.registry, this.repository, digest);
        if (status === 404) return notFound;
        if (status !== 202) return { status: 500, body: { message: `registry answered ${status}` } };
        this.deleted.push({ id, digest });
        return { status: 204 };
      },
    );
  }

  /** The version id of a digest (assigned when first seen). */
  idOf(digest: string): number {
    let id = this.ids.get(digest);
    if (id === undefined) this.ids.set(digest, (id = this.nextId++));
    return id;
  }

  /** Every manifest the registry holds that the package knows of, newest version first, as GitHub answers. */
  async versions(): Promise<unknown[]> {
    const base = `${this.o.registry.url}/v2/${this.repository}`;
    const tags = ((await (await fetch(`${base}/tags/list`)).json()) as { tags: string[] | null }).tags ?? [];
    const byDigest = new Map<string, string[]>();
    const walk = async (ref: string): Promise<string | undefined> => {
      const res = await fetch(`${base}/manifests/${ref}`, { headers: { accept: ACCEPT } });
      if (res.status !== 200) return undefined;
      const digest = res.headers.get('docker-content-digest')!;
      const json = (await res.json()) as { manifests?: Array<{ digest: string }> };
      if (!byDigest.has(digest)) byDigest.set(digest, []);
      this.idOf(digest);
      for (const d of json.manifests ?? []) if (!byDigest.has(d.digest)) await walk(d.digest);
      return digest;
    };
    for (const t of tags) {
      const d = await walk(t);
      if (d) byDigest.get(d)!.push(t);
    }
    // Untagged versions the package saw before stay listed while the registry has them.
    for (const digest of this.ids.keys())
      if (
        !byDigest.has(digest) &&
        (await fetch(`${base}/manifests/${digest}`, { method: 'HEAD', headers: { accept: ACCEPT } })).status === 200
      )
        byDigest.set(digest, []);
    return [...byDigest].map(([digest, t]) => this.version(digest, t.sort())).sort((a, b) => b.id - a.id);
  }

  private version(digest: string, tags: string[]) {
    const id = this.idOf(digest);
    const at = this.o.createdAt?.get(digest) ?? '2024-02-01T00:00:00Z';
    return {
      id,
      name: digest,
      url: `https://api.github.com/orgs/${this.o.org}/packages/container/${this.o.name}/versions/${id}`,
      package_html_url: `https://github.com/orgs/${this.o.org}/packages/container/package/${this.o.name}`,
      created_at: at,
      updated_at: at,
      html_url: `https://github.com/orgs/${this.o.org}/packages/container/${this.o.name}/${id}`,
      metadata: { package_type: 'container', container: { tags } },
    };
  }
}
