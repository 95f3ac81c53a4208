import { describe, expect, it } from 'vitest';
import { WattpackError, type Identity, type Job } from '@wattpack/common';
import { ACTIONS, RPCS, actionsOf, authorize, inTeam, jobFor, requireTeam, teamFor, usageScope, type Action } from './authorize.js';
import { Revocations, revokes, type Revocation } from './revocations.js';

const who = (name: string, role: Identity['role'], teams: string[], extra: Partial<Identity> = {}): Identity => ({ name, role, teams, serial: `${name}01`, issuedAt: 1_000_000, ...extra });
const alice = who('alice', 'user', ['vision', 'nlp']);
const olga = who('olga', 'operator', ['ops']);
const root = who('root', 'admin', ['*']);
const node = who('gpu-1', 'node', []);

const refusal = (fn: () => unknown): WattpackError => {
  try {
    fn();
  } catch (err) {
    return err as WattpackError;
  }
  throw new Error('expected a refusal');
};

const job = (team: string): Job => ({
  id: 'j-1',
  spec: {
    name: 'train',
    team,
    command: ['python', 'train.py'],
    args: ['--token', 's3cret'],
    env: { HF_TOKEN: 'hf_s3cret' },
    gpus: 8,
    nodes: 1,
    gpuModels: [],
    priority: 100,
    power: {},
    checkpoint: { signal: 'SIGTERM', graceSeconds: 30 },
    preemptible: true,
    resources: {},
  },
  state: 'RUNNING',
  reason: '',
  submittedAt: 1,
  attempt: 1,
  attemptId: 'j-1-a1',
  assignments: [],
  powerLimitW: 600,
  allocatedFacilityW: 0,
});

describe('the role table', () => {
  it('gives every RPC a role, and changes of the site to operators, of teams and credentials to admins', () => {
    const roleOf = (rpc: keyof typeof RPCS, req: unknown = {}) => actionsOf(rpc, req).map((a: Action) => ACTIONS[a].role);
    expect(roleOf('SubmitJob')).toEqual(['user']);
    expect(roleOf('ListJobs')).toEqual(['user']);
    expect(roleOf('JobLogs')).toEqual(['user']);
    expect(roleOf('CordonNodes')).toEqual(['operator']);
    expect(roleOf('DrainNodes')).toEqual(['operator']);
    expect(roleOf('UncordonNodes')).toEqual(['operator']);
    expect(roleOf('SetNodePower')).toEqual(['operator']);
    expect(roleOf('ListAudit')).toEqual(['operator']);
    expect(roleOf('PlanNext')).toEqual(['operator']);
    expect(roleOf('RevokeCredential')).toEqual(['admin']);
    expect(roleOf('UpdateSite', { capMw: 12, addGridEvents: [], removeTeams: [], setTeams: {} })).toEqual(['operator']);
    expect(roleOf('UpdateSite', { clearGridEvents: true, addGridEvents: [] })).toEqual(['operator']);
    expect(roleOf('UpdateSite', { setTeams: { vision: { gpus: 8 } }, addGridEvents: [] })).toEqual(['admin']);
    expect(roleOf('UpdateSite', { capMw: 12, removeTeams: ['nlp'], addGridEvents: [] })).toEqual(['operator', 'admin']);
    for (const [rpc, rule] of Object.entries(RPCS)) expect(typeof rule.needs === 'function' || rule.needs in ACTIONS, rpc).toBe(true);
  });

  it('refuses with PERMISSION_DENIED naming the role needed', () => {
    const e = refusal(() => authorize(alice, ...actionsOf('UpdateSite', { capMw: 1, addGridEvents: [] })));
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.message).toBe('alice is a user: changing the cap needs the operator role');
    expect(refusal(() => authorize(olga, 'set-teams')).message).toBe("olga is an operator: changing teams and their shares needs the admin role");
    expect(() => authorize(olga, 'set-cap', 'drain', 'cancel-any-job', 'read-audit')).not.toThrow();
    expect(() => authorize(root, ...(Object.keys(ACTIONS) as Action[]))).not.toThrow();
  });

  it('gives components (nodes, the scheduler) none of the people roles', () => {
    expect(refusal(() => authorize(node, 'read-jobs')).message).toBe('gpu-1 is a node: reading jobs needs the user role');
    expect(refusal(() => authorize(who('scheduler', 'scheduler', []), 'submit-job')).code).toBe('PERMISSION_DENIED');
  });
});

describe('teams', () => {
  it('submits for a team of the caller: the one named, else the first; "*" defaults to "default"', () => {
    expect(teamFor(alice, 'nlp')).toBe('nlp');
    expect(teamFor(alice, undefined)).toBe('vision');
    expect(teamFor(root, undefined)).toBe('default');
    expect(teamFor(root, 'anything')).toBe('anything');
    const e = refusal(() => teamFor(alice, 'finance'));
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.message).toContain('alice is not in team "finance"');
    expect(refusal(() => teamFor(who('nobody', 'user', []), undefined)).code).toBe('PERMISSION_DENIED');
  });

  it("shows other teams' jobs without command, arguments or environment", () => {
    const theirs = jobFor(alice, job('finance'));
    expect(theirs.spec).toMatchObject({ command: [], args: [], env: {}, mounts: [], name: 'train', team: 'finance', gpus: 8 });
    expect(theirs.spec.workdir ?? theirs.spec.output ?? theirs.spec.error).toBeUndefined();
    expect(JSON.stringify(theirs)).not.toContain('s3cret');
    expect(jobFor(alice, job('nlp')).spec.env).toEqual({ HF_TOKEN: 'hf_s3cret' });
    expect(jobFor(root, job('finance')).spec.args).toEqual(['--token', 's3cret']);
    // An operator outside the team sees no more than a user.
    expect(jobFor(olga, job('finance')).spec.env).toEqual({});
    expect(inTeam(root, 'x')).toBe(true);
  });

  it("lets only the team read logs; cancelling another team's job takes an operator", () => {
    expect(() => requireTeam(alice, job('vision'), 'logs')).not.toThrow();
    expect(refusal(() => requireTeam(alice, job('finance'), 'logs')).code).toBe('PERMISSION_DENIED');
    expect(refusal(() => requireTeam(olga, job('finance'), 'logs')).code).toBe('PERMISSION_DENIED');
    expect(refusal(() => requireTeam(alice, job('finance'), 'cancel')).message).toBe("alice is a user: cancelling another team's job needs the operator role");
    expect(() => requireTeam(olga, job('finance'), 'cancel')).not.toThrow();
  });
});

describe('whose usage', () => {
  it('a user reads their own, whatever they ask; operators and admins anyone\'s (like sacct)', () => {
    expect(usageScope(alice, undefined)).toBe('alice');
    expect(usageScope(alice, 'alice')).toBe('alice');
    expect(refusal(() => usageScope(alice, 'bob')).message).toBe("alice is a user: reading other people's usage and history needs the operator role");
    expect(usageScope(olga, undefined)).toBeUndefined();
    expect(usageScope(olga, 'bob')).toBe('bob');
    expect(usageScope(root, 'bob')).toBe('bob');
  });
});

describe('revocations', () => {
  const r = (extra: Partial<Revocation> = {}): Revocation => ({ kind: 'user', name: 'alice', issuedBefore: 2_000_500, serials: [], at: 2_000_500, by: 'root', ...extra });

  it('cover every credential of the name issued in an earlier second, and listed serials', () => {
    expect(revokes(r(), alice)).toBe(true);
    expect(revokes(r(), who('alice', 'operator', ['x']))).toBe(true); // a person, whatever the role
    expect(revokes(r(), who('alice', 'user', [], { issuedAt: 2_000_000 }))).toBe(false); // same second: a re-issue
    expect(revokes(r(), who('alice', 'user', [], { issuedAt: 3_000_000 }))).toBe(false);
    expect(revokes(r({ serials: ['alice01'] }), who('alice', 'user', [], { issuedAt: 3_000_000 }))).toBe(true);
    expect(revokes(r(), who('bob', 'user', []))).toBe(false);
    expect(revokes(r(), who('alice', 'node', []))).toBe(false); // a node of the same name is not the person
    expect(revokes(r({ kind: 'node', name: 'gpu-1' }), node)).toBe(true);
    expect(revokes(r(), who('alice', 'user', [], { issuedAt: undefined }))).toBe(true);
  });

  it('are stored before they count, merge per identity, and tell listeners', async () => {
    const stored: Revocation[][] = [];
    let now = 5_000_000;
    const list = new Revocations([], async (l) => void stored.push(l), () => now);
    let told = 0;
    list.onRevoke((rev) => (rev.name === 'alice' ? ++told : 0));
    const first = await list.revoke({ kind: 'user', name: 'alice', serials: ['AA'], by: 'root' });
    expect(first.closed).toBe(1);
    expect(stored).toHaveLength(1);
    expect(refusal(() => list.check(alice)).code).toBe('UNAUTHENTICATED');
    now = 9_000_000;
    await list.revoke({ kind: 'user', name: 'alice', serials: ['bb'], by: 'root' });
    expect(list.all()).toEqual([{ kind: 'user', name: 'alice', issuedBefore: 9_000_000, serials: ['aa', 'bb'], at: 9_000_000, by: 'root' }]);
    const failing = new Revocations([], async () => Promise.reject(new Error('no leader')));
    await expect(failing.revoke({ kind: 'node', name: 'gpu-1', serials: [], by: 'root' })).rejects.toThrow('no leader');
    expect(() => failing.check(node)).not.toThrow();
  });
});
