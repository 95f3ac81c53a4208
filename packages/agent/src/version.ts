import { wattpackVersion } from '@wattpack/common/daemon';

/** Sent at registration: the scheduler sees which version each node runs. */
export const AGENT_VERSION: string = wattpackVersion();
