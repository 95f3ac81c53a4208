import { WattpackError, isTerminal, jobToProto, type Identity, type Job } from '@wattpack/common/daemon';
import type { SchedulerServiceHandlers } from '@wattpack/common/proto/SchedulerService';
import { inTeam, jobFor, requireTeam, teamFor } from './authorize.js';
import type { Api, Note } from './call.js';

type JobRpcs = Pick<SchedulerServiceHandlers, 'SubmitJob' | 'SubmitJobs' | 'GetJob' | 'ListJobs' | 'CancelJob' | 'WatchJob' | 'JobLogs'>;

/** Jobs: submit, read, list, cancel, watch, logs. A member sees and touches only their team's jobs. */
export function jobRpcs(api: Api): JobRpcs {
  return { ...unaryJobRpcs(api), WatchJob: watchJob(api), JobLogs: jobLogs(api) };
}

function unaryJobRpcs({ scheduler, unary }: Api): Omit<JobRpcs, 'WatchJob' | 'JobLogs'> {
  return {
    SubmitJob: unary('SubmitJob', async (req, caller, note) => {
      const job = await scheduler.submit(req.specJson, { owner: caller.name, teamFor: (named) => teamFor(caller, named), canSee: (j) => inTeam(caller, j.spec.team), requestId: req.requestId, array: req.array });
      note.target = job.array ? `array ${job.array.jobId}` : `job ${job.id}`;
      note.after = { state: job.state, team: job.spec.team, name: job.spec.name, shape: `${job.spec.nodes} node(s) x ${job.spec.gpus} GPU(s)`, ...(req.array && { array: req.array }) };
      return jobToProto(job);
    }),
    SubmitJobs: unary('SubmitJobs', async (req, caller, note) => {
      const jobs = await scheduler.submitMany(req.jobs, { owner: caller.name, teamFor: (named) => teamFor(caller, named), canSee: (j) => inTeam(caller, j.spec.team) });
      note.target = `${jobs.length} submissions`;
      note.after = { jobs: String(jobs.length), first: jobs[0]?.id ?? '', last: jobs.at(-1)?.id ?? '' };
      return { jobs: jobs.map((j) => jobToProto(j)) };
    }),
    GetJob: unary('GetJob', (req, caller) => {
      const job = scheduler.findJob(req.id);
      return jobToProto(jobFor(caller, job), scheduler.powerOf(job.id));
    }),
    ListJobs: unary('ListJobs', (req, caller) => {
      // "Mine" is the verified name, never one the request carries.
      const owner = req.mine ? { owner: caller.name } : {};
      const page = scheduler.pageJobs({ states: req.states, team: req.team, ...owner, since: req.sinceMs, limit: req.limit, pageToken: req.pageToken });
      return { jobs: page.jobs.map((j) => jobToProto(jobFor(caller, j))), nextPageToken: page.nextPageToken };
    }),
    CancelJob: unary('CancelJob', async (req, caller, note) => {
      // An array's id stands for its tasks: one team's, checked on the first.
      const job = scheduler.jobOrArray(req.id);
      note.before = jobState(job);
      requireTeam(caller, job, 'cancel');
      const done = await scheduler.cancel(req.id, req.reason);
      note.after = jobState(done);
      return jobToProto(jobFor(caller, done));
    }),
  };
}

/** The job as it changes, until it ends, the caller cancels, or their credential is revoked. */
function watchJob({ scheduler, admit, finish, closeOnRevoke, failStream }: Api): JobRpcs['WatchJob'] {
  return (call) => {
    const note: Note = {};
    let caller: Identity;
    let job: Job;
    try {
      caller = admit('WatchJob', call, call.request);
      job = scheduler.getJob(call.request.id);
    } catch (err) {
      void finish('WatchJob', call, call.request, undefined, note, err).then(() => failStream(call, err));
      return;
    }
    const send = (j: Job) => {
      call.write(jobToProto(jobFor(caller, j), scheduler.powerOf(j.id)));
      if (isTerminal(j.state)) end();
    };
    const onChange = (j: Job) => j.id === job.id && send(j);
    const stop = () => {
      scheduler.changes.off('job', onChange);
      unwatch();
    };
    const end = () => {
      stop();
      call.end();
    };
    const unwatch = closeOnRevoke(caller, () => {
      stop();
      failStream(call, new WattpackError('UNAUTHENTICATED', `the credential of ${caller.name} was revoked`));
    });
    scheduler.changes.on('job', onChange);
    call.on('cancelled', stop);
    send(job);
  };
}

/** The job's lines (following with -f) while its team may read them. */
function jobLogs({ scheduler, logs, admit, finish, closeOnRevoke, failStream }: Api): JobRpcs['JobLogs'] {
  return (call) => {
    const { id, follow } = call.request;
    const note: Note = {};
    let caller: Identity | undefined;
    let cancelled = false;
    let revoked = false;
    let unwatch: () => unknown = () => undefined;
    call.on('cancelled', () => (cancelled = true));
    Promise.resolve()
      .then(() => {
        caller = admit('JobLogs', call, call.request);
        requireTeam(caller, scheduler.getJob(id), 'logs');
        unwatch = closeOnRevoke(caller, () => (revoked = true));
      })
      .then(() =>
        logs.read(
          id,
          { follow, jobEnded: () => isTerminal(scheduler.getJob(id).state), cancelled: () => cancelled || revoked },
          (r) => call.write({ jobId: r.jobId, attemptId: r.attemptId, nodeId: r.nodeId, stream: r.stream, line: r.line, atMs: r.at }),
        ),
      )
      .then(() => {
        if (revoked) throw new WattpackError('UNAUTHENTICATED', `the credential of ${caller!.name} was revoked`);
        call.end();
      })
      .catch(async (err: unknown) => {
        await finish('JobLogs', call, call.request, caller, note, err);
        failStream(call, err);
      })
      .finally(() => unwatch());
  };
}

const jobState = (j: Job): Record<string, string> => ({ state: j.state, ...(j.cancelRequested ? { cancel: 'requested' } : {}) });
