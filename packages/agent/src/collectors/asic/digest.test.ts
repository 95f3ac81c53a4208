import { describe, expect, it } from 'vitest';
import { digestAuthorization, digestResponse, parseDigestAuthorization, parseDigestChallenge } from './digest.js';

describe('HTTP digest authentication', () => {
  it('computes the RFC 2617 §3.5 example response (MD5, qop=auth)', () => {
    const challenge = parseDigestChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')!;
    expect(challenge).toEqual({ realm: 'testrealm@host.com', qop: 'auth,auth-int', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', opaque: '5ccc069c403ebaf9f0171e9517f40e41' });
    const input = { challenge, username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b', nc: 1 };
    expect(digestResponse(input)).toBe('6629fae49393a05397450978507c4ef1');
    const header = digestAuthorization(input);
    expect(parseDigestAuthorization(header)).toMatchObject({ username: 'Mufasa', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b', response: '6629fae49393a05397450978507c4ef1', opaque: '5ccc069c403ebaf9f0171e9517f40e41' });
  });

  it('computes the RFC 7616 §3.9.1 example responses (MD5 and SHA-256)', () => {
    const base = {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      nc: 1,
    };
    const challenge = (algorithm: string) => ({ realm: 'http-auth@example.org', qop: 'auth, auth-int', algorithm, nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS' });
    expect(digestResponse({ ...base, challenge: challenge('MD5') })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...base, challenge: challenge('SHA-256') })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('ignores challenges that are not digest', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge(undefined)).toBeUndefined();
  });
});
