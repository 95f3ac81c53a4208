import type { JetStreamClient } from 'nats';
import { SUBJECTS, json, type AgentCommandInput, type CommandSigner } from '@wattpack/common/daemon';

/**
 * Commands to agents go through JetStream, so they survive a restart of either side.
 * The command id doubles as the JetStream dedupe id: re-sending a command after a
 * scheduler restart stores it once, and agents apply it once (keyed by attempt id).
 * Each is signed with the scheduler's key (none in insecure mode): agents run nothing
 * else.
 */
export class CommandBus {
  constructor(
    private readonly js: JetStreamClient,
    private readonly signer: CommandSigner | undefined,
  ) {}

  /** `term`: the sender's leadership term, which agents use to refuse a deposed leader. */
  async send(nodeId: string, command: AgentCommandInput, term: number): Promise<void> {
    const subject = SUBJECTS.command(nodeId);
    const data = json.encode({ ...command, term });
    await this.js.publish(subject, data, { msgID: command.commandId, ...(this.signer ? { headers: this.signer.headers(subject, data) } : {}) });
  }
}
