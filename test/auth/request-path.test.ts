import { describe, expect, it } from 'vitest';
import { requestPath } from '../../src/auth/plugins.ts';

// The request log and the SQL budget key on the path the router sees: the cut-out path
// must equal URL's normalised pathname for every URL, plain or odd.
describe('requestPath', () => {
  it.each([
    ['http://127.0.0.1:4000/graphql', '/graphql'],
    ['http://h/graphql?query=%7B%7D', '/graphql'],
    ['http://h/graphql#top', '/graphql'],
    ['http://h/graphql?x=/health', '/graphql'],
    ['http://h/x/../graphql', '/graphql'],
    ['http://h/./graphql', '/graphql'],
    ['http://h/%2e%2e/graphql', '/graphql'],
    ['http://h/a\\b', '/a/b'],
    ['http://h?x=/graphql', '/'],
    ['http://h#/graphql', '/'],
    ['http://h', '/'],
    ['http://h//graphql', '//graphql'],
    ['http://h/reports/r-1/export.csv?token=abc', '/reports/r-1/export.csv'],
    ['http://h/GraphQL/', '/GraphQL/'],
    ['http://h/caf%C3%A9', '/caf%C3%A9'],
    ['http://h/café', '/caf%C3%A9'],
  ])('%s is %s', (url, path) => {
    expect(requestPath(url)).toBe(path);
    expect(new URL(url).pathname).toBe(path);
  });

  it('agrees with URL on 5,000 generated URLs', () => {
    // A fixed-seed generator: the same URLs every run.
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const alphabet = ['/', '/', 'a', 'Z', '0', '-', '_', '.', '..', '%2e', '%2F', '?', '#', '\\', ' ', 'é', '~', ';', '@', ':', '+'];
    for (let i = 0; i < 5000; i++) {
      // A request's URL is the host and Node's req.url, which starts with a slash.
      let tail = '/';
      for (let n = next() % 12; n > 0; n--) tail += alphabet[next() % alphabet.length];
      const url = `http://localhost:8080${tail}`;
      expect([url, requestPath(url)]).toEqual([url, new URL(url).pathname]);
    }
  });
});
