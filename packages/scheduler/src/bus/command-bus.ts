import type { JetStreamClient } from 'nats';
import { SUBJECTS, json, type AgentCommand } from '@wattpack/shared';

/**
 * Commands to agents go through JetStream, so they survive a restart of either side.
 * The command id doubles as the JetStream dedupe id: re-sending a command after a
 * scheduler restart stores it once, and agents apply it once (keyed by attempt id).
 */
export class CommandBus {
  constructor(private readonly js: JetStreamClient) {}

  async send(nodeId: string, command: AgentCommand): Promise<void> {
    await this.js.publish(SUBJECTS.command(nodeId), json.encode(command), { msgID: command.commandId });
  }
}
