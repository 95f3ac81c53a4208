import type { JetStreamClient } from 'nats';
import { SUBJECTS, json, type AgentCommandInput } from '@wattpack/shared';

/**
 * Commands to agents go through JetStream, so they survive a restart of either side.
 * The command id doubles as the JetStream dedupe id: re-sending a command after a
 * scheduler restart stores it once, and agents apply it once (keyed by attempt id).
 */
export class CommandBus {
  constructor(private readonly js: JetStreamClient) {}

  /** `term`: the sender's leadership term, which agents use to refuse a deposed leader. */
  async send(nodeId: string, command: AgentCommandInput, term: number): Promise<void> {
    await this.js.publish(SUBJECTS.command(nodeId), json.encode({ ...command, term }), { msgID: command.commandId });
  }
}
