/**
 * How commands name a job: the scheduler's GetJob finds it (docker's and nomad's lookup),
 * so each command asks for the job first and then uses its id.
 */
export const JOB_REF = 'job id, job name, or a prefix of one job id (a name or prefix that fits several jobs is refused, listing them)';
