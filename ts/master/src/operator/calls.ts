// The operator calls that change something: teardown of a framework, and the
// agent calls (drain, deactivate, reactivate). Weights and quota are in
// roles.ts. Each checks its whole body first (400 naming the field), then the
// ids (404), then asks the CallGuard, and only then acts.

import type { Master } from '../master.js';
import { HttpError } from '../operator-kill.js';
import { teardown } from '../frameworks.js';
import type { AgentModes, OperatorAgentState } from './agent-modes.js';
import { guardOperator, type Headers } from './guard.js';
import { bodyObject, idField, optionalSeconds } from './validate.js';

export async function teardownFramework(m: Master, body: unknown, headers: Headers): Promise<{ frameworkId: string }> {
  const frameworkId = idField(bodyObject(body, ['frameworkId']), 'frameworkId');
  if (!m.frameworks.has(frameworkId)) {
    const gone = m.removedFrameworkIds.has(frameworkId) ? ' (already removed)' : '';
    throw new HttpError(404, `frameworkId: no framework ${JSON.stringify(frameworkId)}${gone}`);
  }
  await guardOperator(m, 'OperatorTeardown', headers, frameworkId);
  const framework = m.frameworks.get(frameworkId);
  if (!framework) throw new HttpError(404, `frameworkId: framework ${JSON.stringify(frameworkId)} is gone`);
  m.log.info({ framework: frameworkId }, 'framework teardown by the operator');
  await teardown(m, framework, 'torn down by the operator');
  return { frameworkId };
}

export type AgentCall = 'drain' | 'deactivate' | 'reactivate';
const METHOD: Record<AgentCall, string> = { drain: 'OperatorDrainAgent', deactivate: 'OperatorDeactivateAgent', reactivate: 'OperatorReactivateAgent' };

export async function agentCall(
  m: Master,
  modes: AgentModes,
  call: AgentCall,
  body: unknown,
  headers: Headers,
): Promise<{ agentId: string; operatorState: OperatorAgentState }> {
  const b = bodyObject(body, call === 'drain' ? ['agentId', 'gracePeriodSeconds'] : ['agentId']);
  const agentId = idField(b, 'agentId');
  const grace = call === 'drain' ? optionalSeconds(b, 'gracePeriodSeconds') : undefined;
  const agent = m.agents.get(agentId);
  if (!agent || agent.state === 'removed') throw new HttpError(404, `agentId: no agent ${JSON.stringify(agentId)}`);
  await guardOperator(m, METHOD[call], headers);
  const operatorState =
    call === 'drain' ? await modes.drain(agentId, grace) : call === 'deactivate' ? await modes.deactivate(agentId) : await modes.reactivate(agentId);
  return { agentId, operatorState };
}
