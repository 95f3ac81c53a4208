import { describe, expect, it } from 'vitest';
import { aJob, aNode, aSite } from '../testing/fake-scheduler.js';
import { jobDetails, jobsTable, jobStatus } from './jobs.js';
import { toJson } from './document.js';
import { nodesTable } from './nodes.js';
import { planText } from './plan.js';
import { eventReports, siteFields } from './site.js';

const NOW = 1_700_000_000_000 + 5 * 60_000;

const running = aJob({
  id: 'job-2',
  state: 'RUNNING',
  reason: 'placed under the cap at 560 W per GPU because the site is running close to its facility limit',
  startedAtMs: 1_700_000_000_000 + 60_000,
  attempt: 1,
  spec: { ...aJob().spec!, nodes: 2 },
  assignments: [
    { nodeId: 'gpu-1', gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7], gpuModel: 'H100', started: true },
    { nodeId: 'gpu-2', gpuIndices: [0, 1, 2, 3, 6], gpuModel: 'H100', started: true, exitCode: 0 },
  ],
  powerLimitW: 560,
  allocatedFacilityW: 10_752,
  limitHistory: [
    { atMs: 1_700_000_000_000 + 60_000, limitW: 700, why: 'placed', confirmedAtMs: 1_700_000_000_000 + 61_000 },
    { atMs: 1_700_000_000_000 + 240_000, limitW: 560, why: 'right-size', confirmedAtMs: 0 },
  ],
  power: { p50W: 498.4, p99W: 508.9, heldFraction: 0.02, samples: 240 },
});

describe('jobs', () => {
  it('renders a table with shape, nodes, power, time and a truncated reason', () => {
    const lines = jobsTable([aJob({ reason: 'waiting for GPUs' }), running], NOW).split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+TEAM\s+STATE\s+GPUS\s+NODES\s+POWER\s+AGE\/RUNTIME\s+REASON$/);
    expect(lines[1]).toMatch(/^job-1\s+train\s+vision\s+PENDING\s+1×8\s+-\s+-\s+5m0s\s+waiting for GPUs$/);
    expect(lines[2]).toMatch(/^job-2\s+train\s+vision\s+RUNNING\s+2×8\s+gpu-1,gpu-2\s+560 W\s+4m0s\s+placed under the cap/);
    expect(lines[2]).toMatch(/…$/);
    expect(lines[2]).not.toContain('facility limit');
  });

  it('folds an array into one row, also wide (13 columns, nothing cut), and lists its tasks with tasks', () => {
    const task = (i: number, state: string) => aJob({ id: `j-a_${i}`, arrayJobId: 'j-a', arrayIndex: i, state, reason: state === 'PENDING' ? 'waiting for GPUs' : '', owner: 'bob' });
    const tasks = [task(0, 'RUNNING'), task(1, 'PENDING'), task(2, 'PENDING')];
    const wide = jobsTable([aJob({ reason: 'r'.repeat(60) }), ...tasks], NOW, { wide: true }).split('\n');
    expect(wide).toHaveLength(3);
    expect(wide[1]).toMatch(/^job-1\s+train\s+vision\s+alice\s+PENDING\s+1×8\s+-\s+-\s+100\s+2023-11-14T22:13:20Z\s+5m0s\s+-\s+r{60}$/);
    expect(wide[2]).toMatch(/^j-a_\[0-2\]\s+train\s+vision\s+bob\s+RUNNING 1, PENDING 2\s+1×8\s+-\s+-\s+100\s+\S+Z\s+5m0s\s+-\s+waiting for GPUs$/);
    expect(jobsTable(tasks, NOW, { tasks: true }).split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['j-a_0', 'j-a_1', 'j-a_2']);
  });

  it('says so when there are no jobs', () => {
    expect(jobsTable([], NOW)).toBe('no jobs');
  });

  it('renders details with nodes, GPU indices, power and times', () => {
    const text = jobDetails(running, NOW);
    expect(text).toMatch(/State:\s+RUNNING/);
    expect(text).toMatch(/Owner:\s+alice/);
    expect(text).toMatch(/Command:\s+python train.py --lr 1e-3/);
    expect(text).toMatch(/Nodes:\s+gpu-1  GPUs 0-7 \(H100\)\n\s+gpu-2  GPUs 0-3,6 \(H100\)  exit 0/);
    expect(text).toMatch(/Power:\s+560 W per GPU/);
    expect(text).toMatch(/Draw:\s+p50 498 W, p99 509 W \(hottest GPU\), held back at its limit 2% of 240 samples/);
    expect(text).toMatch(/Limits:\s+2023-11-14T22:14:20Z \(4m0s ago\)  700 W  placed\n\s+2023-11-14T22:17:20Z \(1m0s ago\)  560 W  right-size \(not yet enforced\)/);
    expect(text).toMatch(/Facility:\s+10.8 kW allocated/);
    expect(text).toMatch(/Started:\s+2023-11-14T22:14:20Z \(4m0s ago\)/);
    expect(text).toMatch(/Finished:\s+-/);
    expect(text).toMatch(/Exit code:\s+-/);
  });

  it('says why a job is being preempted', () => {
    const job = aJob({ state: 'RUNNING', reason: 'running', preempting: 'grid event at 22:00', spec: { ...aJob().spec!, preemptible: true } });
    expect(jobStatus(job)).toBe('RUNNING: preempting: grid event at 22:00');
    expect(jobDetails(job, NOW)).toMatch(/Preempting:\s+grid event at 22:00/);
    expect(jobDetails(job, NOW)).toMatch(/Priority:\s+100, preemptible/);
    expect(jobDetails(aJob({ spec: { ...aJob().spec!, preemptible: false } }), NOW)).toMatch(/Priority:\s+100, not preemptible/);
  });

  it('summarises a job in one line', () => {
    expect(jobStatus(aJob({ state: 'FAILED', reason: 'exited 3', exitCode: 3, assignments: running.assignments }))).toBe(
      'FAILED on gpu-1,gpu-2: exited 3 (exit code 3)',
    );
  });

  it('prints the proto object as JSON without oneof markers', () => {
    const json = JSON.parse(toJson({ ...running, exitCode: 0, _exitCode: 'exitCode' })) as Record<string, unknown>;
    expect(json).toMatchObject({ id: 'job-2', state: 'RUNNING', powerLimitW: 560, exitCode: 0 });
    expect(json).not.toHaveProperty('_exitCode');
  });
});

describe('nodes', () => {
  it('renders GPUs, allocated and measured power, miners and labels', () => {
    const miners = aNode({
      id: 'miners-1',
      labels: { rack: 'm1', zone: 'b' },
      inventory: {
        gpus: [],
        host: null,
        miners: ['a', 'b', 'c', 'd'].map((id) => ({ id, model: 'S19 XP', endpoint: '', nameplatePowerW: 3010, nameplateHashrateThs: 140, firmware: '' })),
      },
      lastReport: {
        timestampMs: 0,
        gpus: [],
        attempts: [],
        host: null,
        miners: [
          { id: 'a', powerW: 3000, state: 'MINER_RUN_STATE_MINING', reason: '' },
          { id: 'b', powerW: 3000, state: 'MINER_RUN_STATE_MINING', reason: '' },
          { id: 'c', powerW: 3000, state: 'MINER_RUN_STATE_MINING', reason: '' },
          { id: 'd', state: 'MINER_RUN_STATE_CURTAILED', reason: '' },
        ],
      },
      gpusAllocated: 0,
      allocatedW: 12_040,
    });
    const lines = nodesTable([aNode(), aNode({ id: 'gpu-2', status: 'NOT_READY', reason: 'no report for 15s', lastReport: null, gpusAllocated: 0, allocatedW: 0 }), miners]).split('\n');
    expect(lines[0]).toMatch(/^NODE\s+STATE\s+STATUS\s+GPUS\s+POWER\s+MINERS\s+LABELS\s+REASON$/);
    expect(lines[1]).toMatch(/^gpu-1\s+alloc\s+READY\s+8\/8 H100\s+6.0 \/ 4.0 kW\s+-\s+rack=r1\s+-$/);
    expect(lines[2]).toMatch(/^gpu-2\s+down\s+NOT_READY\s+0\/8 H100\s+0.0 \/ \? kW\s+-\s+rack=r1\s+no report for 15s$/);
    expect(lines[3]).toMatch(/^miners-1\s+idle\s+READY\s+-\s+12.0 \/ 9.0 kW\s+3\/4\s+rack=m1,zone=b\s+-$/);
  });

  it("shows power saving's states with Slurm's suffixes, and why", () => {
    const at = 1_700_000_000_000;
    const idle = { gpusAllocated: 0, allocatedW: 0, lastReport: null };
    const lines = nodesTable([
      aNode({ ...idle, id: 'gpu-1', status: 'NOT_READY', reason: 'powered off', power: 'off', powerSinceMs: at, powerReason: 'idle 600 s (suspendAfter 600 s)' }),
      aNode({ ...idle, id: 'gpu-2', status: 'NOT_READY', power: 'resuming', powerSinceMs: at, powerReason: 'powered on for waiting work' }),
      aNode({ ...idle, id: 'gpu-3', power: 'suspending', powerSinceMs: at, powerReason: 'powered off by olga' }),
      aNode({ ...idle, id: 'gpu-4', status: 'NOT_READY', power: 'down', powerSinceMs: at, powerReason: 'not back within resumeTimeout (900 s) of its power-on' }),
      aNode({ ...idle, id: 'gpu-5', power: 'on', powerReason: 'power-off failed: GET /redfish/v1/Systems: HTTP 401' }),
    ], true).split('\n');
    expect(lines[1]).toMatch(/^gpu-1\s+idle~\s+NOT_READY\s.*idle 600 s \(suspendAfter 600 s\) \(off since /);
    expect(lines[2]).toMatch(/^gpu-2\s+idle#\s+NOT_READY\s.*powered on for waiting work \(resuming since /);
    expect(lines[3]).toMatch(/^gpu-3\s+idle%\s+READY\s.*powered off by olga \(suspending since /);
    expect(lines[4]).toMatch(/^gpu-4\s+down\s+NOT_READY\s.*not back within resumeTimeout \(900 s\) of its power-on \(down since /);
    expect(lines[5]).toMatch(/^gpu-5\s+idle\s+READY\s.*power-off failed: GET \/redfish\/v1\/Systems: HTTP 401$/);
  });
});

describe('site', () => {
  it('renders cap, reserve, power splits, headroom and counts', () => {
    const text = siteFields(aSite());
    expect(text).toMatch(/Cap:\s+18.000 MW/);
    expect(text).toMatch(/Reserve:\s+2.0% \(0.360 MW\)/);
    expect(text).toMatch(/PUE:\s+1.20/);
    expect(text).toMatch(/Allocated:\s+0.156 MW facility \(IT: GPUs 0.100, hosts 0.020, miners 0.010 MW\)/);
    expect(text).toMatch(/Measured:\s+0.126 MW facility/);
    expect(text).toMatch(/Headroom:\s+17.484 MW/);
    expect(text).toMatch(/GPUs:\s+8\/16 allocated/);
    expect(text).toMatch(/Jobs:\s+1 pending, 1 running/);
    expect(text).toMatch(/Miners:\s+3 mining, 1 curtailed/);
    expect(text).toMatch(/Grid events:\s+-/);
  });

  it('plans against the lower cap of a grid event, and lists the events', () => {
    const text = siteFields(
      aSite({
        effectiveCapW: 9e6,
        gridEvents: [
          { startMs: 1_700_000_000_000, durationS: 3600, capMw: 9, noticeS: 1800 },
          { startMs: 1_700_100_000_000, durationS: 600, capMw: 12, noticeS: 0 },
        ],
      }),
    );
    expect(text).toMatch(/Cap:\s+18.000 MW, 9.000 MW now \(grid event\)/);
    expect(text).toMatch(/Grid events:\s+9.000 MW from 2023-11-14T22:13:20Z for 1h0m \(notice 30m0s\)\n\s+12.000 MW from 2023-11-16T02:00:00Z for 10m0s \(notice 0s\)/);
    expect(text).toMatch(/Reserve:\s+2.0% \(0.180 MW\)/);
    expect(text).toMatch(/Headroom:\s+8.664 MW/);
  });

  it('reports grid events against the meter: target, time to target, jobs slowed, each minute', () => {
    expect(eventReports(aSite())).toMatch(/no facility meter/);
    const meter = { address: 'm:502', trusted: true, reason: '', modeledW: 0, correctionW: 0 };
    const text = eventReports(
      aSite({
        meter,
        eventReports: [
          {
            startMs: 1_700_000_000_000,
            durationS: 10_800,
            targetW: 12e6,
            baselineW: 16e6,
            reachedAfterS: 21.5,
            intervals: [
              { startMs: 1_700_000_000_000, targetW: 12e6, meanW: 13e6, maxW: 15.9e6 },
              { startMs: 1_700_000_060_000, targetW: 12e6, meanW: 11.8e6, maxW: 11.9e6 },
            ],
            slowed: [{ jobId: 'j-1', fromW: 700, toW: 268, throughputKept: 0.5 }],
          },
        ],
      }),
    );
    expect(text).toMatch(/Event:\s+2023-11-14T22:13:20Z for 3h0m/);
    expect(text).toMatch(/Target:\s+12.000 MW \(against a 16.000 MW baseline\)/);
    expect(text).toMatch(/Reached:\s+at the meter after 21.5 s/);
    expect(text).toMatch(/Slowed:\s+j-1: 700 -> 268 W, 50 % throughput kept/);
    expect(text).toMatch(/2023-11-14T22:13:20Z  target 12.000  metered mean 13.000  max 15.900 MW  OVER\n2023-11-14T22:14:20Z  target 12.000  metered mean 11.800  max 11.900 MW$/);
  });

  it('shows the meter against the model, its correction in the headroom, and why it is not trusted', () => {
    expect(siteFields(aSite())).toMatch(/Meter:\s+- \(none: the model alone counts\)/);
    const meter = { address: '10.0.0.5:502', trusted: true, reason: '', measuredW: 168_480, measuredAtMs: 1_700_000_000_000, modeledW: 156_000, errorW: 12_480, correctionW: 12_480 };
    const text = siteFields(aSite({ meter }));
    expect(text).toMatch(/Meter:\s+10.0.0.5:502: 0.168 MW at 2023-11-14T22:13:20Z; model 0.156 MW, error \+0.012 MW\n\s+counted: \+0.012 MW on the model/);
    expect(text).toMatch(/Headroom:\s+17.472 MW \(cap - reserve - allocated - meter correction\)/);
    const down = siteFields(aSite({ meter: { ...meter, trusted: false, correctionW: 7800, reason: 'meter 10.0.0.5:502 did not answer: Timed out; no good reading for 6s: counting the model plus 5 %' } }));
    expect(down).toMatch(/NOT TRUSTED: counting \+0.008 MW on the model\n\s+meter 10.0.0.5:502 did not answer: Timed out; no good reading for 6s/);
  });

  it("shows the utility's VTN: its last poll, the events taken with their source, and why something was refused", () => {
    expect(siteFields(aSite())).toMatch(/OpenADR:\s+- \(none: grid events from operators only\)/);
    const openadr = { vtnUrl: 'https://vtn.example/oadr', ok: true, reasons: ['program capacity: event neg interval 0: IMPORT_CAPACITY_LIMIT -5: a limit must be a number of KW above 0'], polledAtMs: 1_700_000_000_000, events: 1, reportsSent: 2 };
    const gridEvents = [{ startMs: 1_700_000_000_000, durationS: 3600, capMw: 12, noticeS: 0, source: 'openadr:evt-1:0' }];
    const text = siteFields(aSite({ openadr, gridEvents }));
    expect(text).toMatch(/OpenADR:\s+https:\/\/vtn.example\/oadr: polled 2023-11-14T22:13:20Z: 1 event interval\(s\), 2 report\(s\) sent\n\s+program capacity: event neg interval 0: IMPORT_CAPACITY_LIMIT -5/);
    expect(text).toMatch(/12.000 MW from 2023-11-14T22:13:20Z for 1h0m \(notice 0s\) \[openadr:evt-1:0\]/);
    const down = siteFields(aSite({ openadr: { ...openadr, ok: false, reasons: ['VTN https://vtn.example/oadr: GET /programs: HTTP 503; holding the events already taken'] } }));
    expect(down).toMatch(/FAILED, holding the events already taken\n\s+VTN https:\/\/vtn.example\/oadr: GET \/programs: HTTP 503/);
  });
});

describe('wattpack plan', () => {
  it("shows what would start, what would not yet, what waits, the miners, the servers' power and the watts", () => {
    const text = planText({
      placements: [{ jobId: 'job-1', nodeIds: ['gpu-1'], gpus: 8, powerLimitW: 560 }],
      requeued: [{ jobId: 'job-2', code: 'power', reason: 'power: waiting for 1 miner(s) to curtail' }],
      waiting: [{ jobId: 'job-3', code: 'gpus', reason: 'no node with 8 free H100' }],
      preemptions: [],
      powerChanges: [{ jobId: 'job-4', powerLimitW: 450, why: 'right-size' }],
      curtailMiners: ['m-0'],
      resumeMiners: [],
      suspendNodes: ['gpu-7', 'gpu-8'],
      resumeNodes: ['gpu-2'],
      downNodes: [],
      allocatedW: 812_500,
      budgetW: 980_000,
    });
    expect(text.split('\n').map((l) => l.trimEnd())).toEqual([
      'JOB    ACTION     DETAIL',
      'job-1  start      8 GPU(s) on gpu-1 at 560 W',
      'job-4  set limit  450 W (right-size)',
      'job-2  not yet    power: waiting for 1 miner(s) to curtail',
      'job-3  wait       no node with 8 free H100',
      'curtail 1 miner(s): m-0',
      'power off 2 server(s): gpu-7,gpu-8',
      'power on 1 server(s): gpu-2',
      'allocated after the pass: 812.5 kW of a 980.0 kW budget',
    ]);
  });
});
