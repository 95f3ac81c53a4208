import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSECURE, SUBJECTS, SitePki, json, loadCredentials, signerOf, type Credentials } from '@wattpack/common';
import type { MsgHdrs } from 'nats';
import { beforeAll, describe, expect, it } from 'vitest';
import { CommandGuard } from './command-guard.js';

/** A site's PKI and a second, foreign one: their scheduler and node credentials. */
let site: { scheduler: Credentials & { insecure: false }; node: Credentials & { insecure: false } };
let foreign: Credentials & { insecure: false };

const pki = async (name: string) => {
  const p = await SitePki.init(mkdtempSync(join(tmpdir(), `wattpack-guard-${name}-`)), { site: name, schedulerHosts: ['127.0.0.1'], natsHosts: ['127.0.0.1'] });
  await p.issue({ name: 'gpu-1', role: 'node', teams: [] });
  const load = (role: 'scheduler' | 'node', id: string) => loadCredentials(p.credentialsDir(role, id)) as Credentials & { insecure: false };
  return { scheduler: load('scheduler', 'scheduler'), node: load('node', 'gpu-1') };
};

beforeAll(async () => {
  site = await pki('site');
  foreign = (await pki('other')).scheduler;
});

const subject = SUBJECTS.command('gpu-1');
const command = (extra: object = {}) => json.encode({ kind: 'set-power', commandId: 'c-1', issuedAt: 1, term: 3, gpuIndices: [0], powerLimitW: 300, ...extra });
const signed = (by: { certPem: string; keyPem: string }, data: Uint8Array, on = subject): MsgHdrs => signerOf(by.certPem, by.keyPem).headers(on, data);

function guard(opts: { revision?: number; now?: () => number; credentials?: Credentials } = {}) {
  const reads: number[] = [];
  const g = new CommandGuard({
    credentials: opts.credentials ?? site.node,
    leaderRevision: async () => {
      reads.push(opts.revision ?? 10);
      return opts.revision ?? 10;
    },
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { g, reads };
}

describe('command signatures', () => {
  it("admits a command the site's scheduler signed", async () => {
    const data = command();
    expect(await guard().g.admit(subject, data, signed(site.scheduler, data))).toMatchObject({ ok: true, command: { kind: 'set-power', term: 3 } });
  });

  it('refuses an unsigned command', async () => {
    expect(await guard().g.admit(subject, command(), undefined)).toEqual({ ok: false, reason: "not signed by the site's scheduler: unsigned" });
  });

  it('refuses a command changed after it was signed, or signed for another subject', async () => {
    const data = command();
    const headers = signed(site.scheduler, data);
    expect(await guard().g.admit(subject, command({ powerLimitW: 700 }), headers)).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
    const elsewhere = signed(site.scheduler, data, SUBJECTS.command('gpu-2'));
    expect(await guard().g.admit(subject, data, elsewhere)).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
  });

  it("refuses a signature by a node of the site, or by another site's scheduler", async () => {
    const data = command();
    expect(await guard().g.admit(subject, data, signed(site.node, data))).toMatchObject({ ok: false, reason: expect.stringContaining('signed by node gpu-1, not by a scheduler') });
    expect(await guard().g.admit(subject, data, signed(foreign, data))).toMatchObject({ ok: false, reason: expect.stringContaining('not from the site CA') });
    // The foreign scheduler's certificate, with a signature by the site's scheduler key: still not from the CA.
    const mixed = signed({ certPem: foreign.certPem, keyPem: site.scheduler.keyPem }, data);
    expect(await guard().g.admit(subject, data, mixed)).toMatchObject({ ok: false, reason: expect.stringContaining('not from the site CA') });
  });

  it("refuses a site scheduler certificate with someone else's signature", async () => {
    const data = command();
    const forged = signed({ certPem: site.scheduler.certPem, keyPem: site.node.keyPem }, data);
    expect(await guard().g.admit(subject, data, forged)).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
  });

  it('refuses a signature by a certificate that is expired or not yet valid', async () => {
    const data = command();
    const day = 86_400_000;
    expect(await guard({ now: () => Date.now() + 400 * day }).g.admit(subject, data, signed(site.scheduler, data))).toMatchObject({ ok: false, reason: expect.stringContaining('not valid now') });
    expect(await guard({ now: () => Date.now() - day }).g.admit(subject, data, signed(site.scheduler, data))).toMatchObject({ ok: false, reason: expect.stringContaining('not valid now') });
  });

  it('refuses garbage in the signature headers', async () => {
    const data = command();
    const headers = signed(site.scheduler, data);
    headers.set('Wattpack-Signer', 'bm90IGEgY2VydA==');
    expect(await guard().g.admit(subject, data, headers)).toMatchObject({ ok: false, reason: expect.stringContaining('not a certificate') });
  });

  it('checks no signature in insecure mode', async () => {
    expect(await guard({ credentials: INSECURE }).g.admit(subject, command(), undefined)).toMatchObject({ ok: true });
  });

  it('refuses a signed command that is not a command', async () => {
    const data = json.encode({ kind: 'explode' });
    expect(await guard().g.admit(subject, data, signed(site.scheduler, data))).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed/) });
  });
});

describe('command terms', () => {
  const admitTerm = async (g: CommandGuard, term: number) => {
    const data = command({ term });
    return (await g.admit(subject, data, signed(site.scheduler, data))).ok;
  };

  it('refuses a term above the leader record, such as 2^53-1, and reads the record only for a term above any seen', async () => {
    const { g, reads } = guard({ revision: 42 });
    expect(await admitTerm(g, 0)).toBe(true);
    expect(reads).toEqual([]);
    expect(await admitTerm(g, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(await admitTerm(g, 43)).toBe(false);
    expect(await admitTerm(g, 42)).toBe(true);
    expect(await admitTerm(g, 7)).toBe(true);
    expect(reads).toEqual([42, 42]);
  });

  it('admits a newer leader once the record shows it', async () => {
    let revision = 5;
    const g = new CommandGuard({ credentials: site.node, leaderRevision: async () => revision });
    expect(await admitTerm(g, 9)).toBe(false);
    revision = 9;
    expect(await admitTerm(g, 9)).toBe(true);
  });

  it('throws, for a retry, when the leader record cannot be read', async () => {
    const g = new CommandGuard({ credentials: site.node, leaderRevision: () => Promise.reject(new Error('timeout')) });
    const data = command({ term: 1 });
    await expect(g.admit(subject, data, signed(site.scheduler, data))).rejects.toThrow('timeout');
  });
});
