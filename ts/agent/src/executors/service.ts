// ExecutorService (executor.proto), served on loopback for custom executors.
// Handlers stay thin: check the request names a custom executor this agent
// runs, then hand the work to the agent and the status update manager.

import { Server, ServerCredentials, type ServerWritableStream, type handleUnaryCall } from '@grpc/grpc-js';
import {
  AgentMessage,
  ExecutorEvent,
  ExecutorServiceService,
  SERVER_OPTIONS,
  TaskState,
  TaskStatus,
  TaskStatus_Source,
  failedPrecondition,
  idProblem,
  invalidArgument,
  notFound,
  toServiceError,
  type ExecutorMessageRequest,
  type ExecutorMessageResponse,
  type ExecutorServiceServer,
  type ExecutorSubscribeRequest,
  type ExecutorUpdateRequest,
  type ExecutorUpdateResponse,
} from '@tessera/common';

import type { Agent } from '../agent.js';
import type { ExecutorRecord } from '../records.js';
import { isTerminal } from '../task-states.js';
import { launchEvent } from './custom.js';

export interface ExecutorServiceHandle {
  address: string;
  stop(): Promise<void>;
}

export async function startExecutorService(agent: Agent): Promise<ExecutorServiceHandle> {
  const server = new Server(SERVER_OPTIONS);
  server.addService(ExecutorServiceService, executorServiceHandlers(agent));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

export function executorServiceHandlers(agent: Agent): ExecutorServiceServer {
  const subscribe = (call: ServerWritableStream<ExecutorSubscribeRequest, ExecutorEvent>): void => {
    try {
      const executor = customExecutor(agent, call.request.frameworkId, call.request.executorId, 'subscribe');
      if (executor.subscriber && executor.subscriber !== call) executor.subscriber.end();
      executor.subscriber = call;
      call.on('cancelled', () => {
        if (executor.subscriber === call) executor.subscriber = undefined;
      });
      call.on('close', () => {
        if (executor.subscriber === call) executor.subscriber = undefined;
      });
      call.write(
        ExecutorEvent.create({
          subscribed: {
            executorInfo: executor.info,
            frameworkInfo: agent.frameworks.get(executor.frameworkId)?.info,
            agentId: agent.agentId ?? '',
            containerId: executor.containerId,
          },
        }),
      );
      // Updates sent before a lost connection that never reached us: take them now.
      for (const status of call.request.unacknowledgedUpdates) {
        if (!agent.updates.isPending(executor.frameworkId, status.taskId, status.uuid)) {
          try {
            acceptUpdate(agent, executor, status);
          } catch (err) {
            agent.logger.warn({ err: (err as Error).message }, 'dropping an invalid re-subscription update');
          }
        }
      }
      // Launches it already has are not sent again.
      const has = new Set(call.request.unacknowledgedTasks.map((task) => task.taskId));
      const queued = executor.queued;
      executor.queued = [];
      for (const launch of queued) {
        if ('task' in launch && has.has(launch.task.taskId)) continue;
        call.write(launchEvent(launch));
      }
      if (executor.shuttingDown) {
        call.write(ExecutorEvent.create({ shutdown: { gracePeriodSeconds: agent.config.defaultKillGraceMs / 1000 } }));
      }
      agent.logger.info({ frameworkId: executor.frameworkId, executorId: executor.executorId }, 'custom executor subscribed');
    } catch (err) {
      const error = toServiceError(err);
      call.write(ExecutorEvent.create({ error: { message: error.details } }));
      call.destroy(Object.assign(new Error(error.details), error));
    }
  };

  const update: handleUnaryCall<ExecutorUpdateRequest, ExecutorUpdateResponse> = (call, callback) => {
    try {
      const { frameworkId, executorId, status } = call.request;
      const executor = customExecutor(agent, frameworkId, executorId, 'update');
      if (!status) throw invalidArgument('update.status: is required');
      acceptUpdate(agent, executor, status);
      callback(null, {});
    } catch (err) {
      callback(toServiceError(err));
    }
  };

  const message: handleUnaryCall<ExecutorMessageRequest, ExecutorMessageResponse> = (call, callback) => {
    try {
      const { frameworkId, executorId, data } = call.request;
      customExecutor(agent, frameworkId, executorId, 'message');
      agent.sendToMaster(AgentMessage.create({ frameworkMessage: { frameworkId, executorId, data } }));
      callback(null, {});
    } catch (err) {
      callback(toServiceError(err));
    }
  };

  return { subscribe, update, message };
}

function customExecutor(agent: Agent, frameworkId: string, executorId: string, call: string): ExecutorRecord {
  const fwProblem = idProblem(frameworkId);
  if (fwProblem) throw invalidArgument(`${call}.framework_id: ${fwProblem}`);
  const exProblem = idProblem(executorId);
  if (exProblem) throw invalidArgument(`${call}.executor_id: ${exProblem}`);
  const executor = agent.frameworks.get(frameworkId)?.executors.get(executorId);
  if (!executor || executor.kind !== 'custom') {
    throw notFound(`${call}.executor_id: no executor '${executorId}' of framework '${frameworkId}' runs on this agent`);
  }
  return executor;
}

/** An executor's update: checked, stamped with who and where, then checkpointed and sent. */
function acceptUpdate(agent: Agent, executor: ExecutorRecord, status: TaskStatus): void {
  const task = executor.tasks.get(status.taskId);
  if (!task) throw notFound(`update.status.task_id: task '${status.taskId}' is not one of executor '${executor.executorId}'`);
  if (status.uuid.length !== 16) throw invalidArgument(`update.status.uuid: must be 16 bytes (got ${status.uuid.length})`);
  if (status.state === TaskState.UNSPECIFIED || status.state === TaskState.STAGING || status.state < 0) {
    throw invalidArgument(`update.status.state: an executor may not report ${TaskState[status.state] ?? status.state}`);
  }
  if (isTerminal(task.state)) {
    if (agent.updates.isPending(executor.frameworkId, status.taskId, status.uuid)) return; // a retry of what we have
    throw failedPrecondition(`update.status: task '${status.taskId}' is already terminal (${TaskState[task.state]})`);
  }
  const stamped = TaskStatus.create({
    ...status,
    source: TaskStatus_Source.EXECUTOR,
    agentId: agent.agentId ?? '',
    executorId: executor.executorId,
    containerId: executor.containerId,
    timestamp: status.timestamp > 0 ? status.timestamp : Date.now() / 1000,
  });
  if (agent.updates.update(executor.frameworkId, stamped)) task.state = status.state;
}
