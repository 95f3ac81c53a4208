import { createCa, issueCertificate, LOGIN_TOKEN_TTL_S, signLoginToken, verifyLoginToken } from '@wattpack/common';
import { beforeAll, describe, expect, it } from 'vitest';

/** The dashboard's login token (docs/security.md, "The dashboard"): what it proves and what it refuses. */
describe('dashboard login tokens', () => {
  let site: Awaited<ReturnType<typeof createCa>>;
  let olga: Awaited<ReturnType<typeof issueCertificate>>;
  let ivan: Awaited<ReturnType<typeof issueCertificate>>;

  beforeAll(async () => {
    site = await createCa('acme');
    olga = await issueCertificate(site, { name: 'olga', role: 'operator', teams: ['vision', 'nlp'] }, { days: 30 });
    ivan = await issueCertificate(site, { name: 'ivan', role: 'user', teams: ['nlp'] }, { days: 30 });
  });

  it('proves the person of a site credential', async () => {
    const id = await verifyLoginToken(await signLoginToken(olga), site.certPem);
    expect(id).toMatchObject({ name: 'olga', role: 'operator', teams: ['vision', 'nlp'], serial: olga.serial.toLowerCase() });
  });

  it("refuses a credential of another site's CA", async () => {
    const other = await createCa('elsewhere');
    const mallory = await issueCertificate(other, { name: 'olga', role: 'admin', teams: ['*'] }, { days: 30 });
    await expect(verifyLoginToken(await signLoginToken(mallory), site.certPem)).rejects.toThrow(/not from this site's CA/);
  });

  it('refuses components: a node may not log in', async () => {
    const node = await issueCertificate(site, { name: 'gpu-1', role: 'node', teams: [] }, { days: 30 });
    await expect(verifyLoginToken(await signLoginToken(node), site.certPem)).rejects.toThrow(/gpu-1 is a node: only people log in/);
  });

  it('refuses a token past its two minutes', async () => {
    const token = await signLoginToken(ivan);
    await expect(verifyLoginToken(token, site.certPem, Date.now() + (LOGIN_TOKEN_TTL_S + 5) * 1000)).rejects.toThrow(/login token: .*(exp|age)/);
  });

  it("refuses someone's certificate with another key, and a payload changed after signing", async () => {
    const stolen = await signLoginToken({ certPem: olga.certPem, keyPem: ivan.keyPem });
    await expect(verifyLoginToken(stolen, site.certPem)).rejects.toThrow(/signature/);
    const [header, , signature] = (await signLoginToken(ivan)).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'olga', aud: 'wattpack-dashboard', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    await expect(verifyLoginToken(`${header}.${payload}.${signature}`, site.certPem)).rejects.toThrow(/login token/);
    await expect(verifyLoginToken('not a token', site.certPem)).rejects.toThrow(/not a JSON web token/);
  });
});
