import assert from 'node:assert/strict';
import { parseRemoteUrl, pickGitHubRemote } from '../../../src/core/git/remote';

describe('git remotes', () => {
  const cases: Array<[string, string | undefined]> = [
    ['https://github.com/acme/rocket.git', 'github.com acme/rocket'],
    ['https://github.com/acme/rocket', 'github.com acme/rocket'],
    ['https://user:tok@github.com/acme/rocket.git', 'github.com acme/rocket'],
    ['git@github.com:acme/rocket.git', 'github.com acme/rocket'],
    ['github.com:acme/rocket', 'github.com acme/rocket'],
    ['ssh://git@github.com/acme/rocket.git', 'github.com acme/rocket'],
    ['ssh://git@ghe.example.com:2222/Team/Repo.js', 'ghe.example.com Team/Repo.js'],
    ['git://github.com/acme/rocket.git', 'github.com acme/rocket'],
    ['/srv/git/rocket.git', undefined],
    ['file:///srv/git/acme/rocket.git', undefined],
    ['https://github.com/acme', undefined],
    ['https://github.com/acme/rocket/tree/main', undefined],
    ['not a url', undefined],
  ];
  for (const [url, expected] of cases) {
    it(`${url} -> ${expected ?? 'not GitHub'}`, () => {
      const r = parseRemoteUrl(url);
      assert.equal(r ? `${r.host} ${r.owner}/${r.name}` : undefined, expected);
    });
  }

  it('prefers origin on github.com, then any github.com remote, then anything that parses', () => {
    const gh = (owner: string, host = 'github.com') => ({ host, owner, name: 'r' });
    assert.equal(
      pickGitHubRemote([
        { name: 'upstream', url: '', repo: gh('up') },
        { name: 'origin', url: '', repo: gh('me') },
      ])?.name,
      'origin',
    );
    assert.equal(
      pickGitHubRemote([
        { name: 'origin', url: '/local' },
        { name: 'gh', url: '', repo: gh('me') },
      ])?.name,
      'gh',
    );
    assert.equal(pickGitHubRemote([{ name: 'corp', url: '', repo: gh('me', 'ghe.corp') }])?.name, 'corp');
    assert.equal(pickGitHubRemote([{ name: 'origin', url: '/local' }]), undefined);
  });
});
