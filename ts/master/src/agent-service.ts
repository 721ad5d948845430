// AgentService.Connect: one bidirectional stream per agent. The first message
// registers or re-registers; until the master answers Registered, later
// messages wait in a queue. A refused agent gets Refused and the stream ends.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  MasterMessage,
  newId,
  type AgentMessage,
  type AgentServiceServer,
} from '@tessera/common';

import { reregisterAgent } from './agent-reregistration.js';
import { AgentRefused, pong, registerAgent } from './agents.js';
import type { Master } from './master.js';
import type { AgentRecord } from './model.js';
import { executorExited, frameworkMessage, statusUpdate, statusUpdates } from './status-updates.js';
import { SafeStream } from './streams.js';

// Messages an agent may send before its registration completes (it should not).
const QUEUE_LIMIT = 10_000;

export function agentService(m: Master): AgentServiceServer {
  return {
    connect(call: ServerDuplexStream<AgentMessage, MasterMessage>): void {
      const stream = new SafeStream<MasterMessage>(call, (err) => m.log.error({ err }, 'agent stream close handler failed'));
      let agent: AgentRecord | undefined;
      let registering = false;
      const queued: AgentMessage[] = [];

      const refuse = (err: unknown): void => {
        const message = err instanceof AgentRefused ? err.message : 'internal error';
        if (!(err instanceof AgentRefused)) m.log.error({ err }, 'agent registration failed');
        else m.log.warn({ reason: message }, 'agent refused');
        stream.send(MasterMessage.create({ refused: { message } }));
        stream.end();
      };

      const handle = (msg: AgentMessage): void => {
        if (!agent) {
          if (registering) {
            if (queued.length < QUEUE_LIMIT) queued.push(msg);
            return;
          }
          if (m.stopped) return refuse(new AgentRefused('master is stopping'));
          let pending: Promise<AgentRecord>;
          if (msg.register) pending = registerAgent(m, msg.register.agentInfo, stream, newId());
          else if (msg.reregister) pending = reregisterAgent(m, msg.reregister, stream);
          else return refuse(new AgentRefused('the first message must be register or reregister'));
          registering = true;
          pending.then(
            (a) => {
              agent = a;
              for (const q of queued.splice(0)) safely(q);
            },
            (err: unknown) => refuse(err),
          );
          return;
        }
        if (agent.stream !== stream) return; // a newer connection replaced this one
        if (msg.pong) pong(agent, msg.pong.seq);
        else if (msg.statusUpdate) statusUpdate(m, agent, msg.statusUpdate);
        else if (msg.statusUpdates) statusUpdates(m, agent, msg.statusUpdates.updates);
        else if (msg.executorExited) executorExited(m, agent, msg.executorExited);
        else if (msg.frameworkMessage) frameworkMessage(m, agent, msg.frameworkMessage);
        else if (msg.register || msg.reregister) m.log.warn({ agent: agent.id }, 'agent registered twice on one stream: ignored');
      };

      const safely = (msg: AgentMessage): void => {
        try {
          handle(msg);
        } catch (err) {
          m.log.error({ err, agent: agent?.id }, 'agent message failed');
        }
      };

      call.on('data', safely);
      call.on('end', () => stream.end());
    },
  };
}
