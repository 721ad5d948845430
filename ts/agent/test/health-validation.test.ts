// A bad HealthCheck is refused at launch with TASK_ERROR / TASK_INVALID and a
// message naming the field (through the agent and the fake master, a test
// double); nothing runs. The table covers each rule of health/definition.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { CommandInfo, HealthCheck, HealthCheck_Type, TaskState, TaskStatus_Reason } from '@tessera/common';

import { healthCheckPlan, healthCheckProblem } from '../src/health/definition.js';
import { FRAMEWORK, shellTask } from './helpers.js';
import { startRig, waitForEnd, type HealthRig } from './health-helpers.js';

const TRUE = CommandInfo.create({ shell: true, value: 'true' });

const cases: Array<[name: string, check: Partial<HealthCheck>, problem: RegExp]> = [
  ['no type', {}, /health_check\.type: must be TYPE_COMMAND, TYPE_HTTP or TYPE_TCP \(got 0\)/],
  ['COMMAND without command', { type: HealthCheck_Type.COMMAND }, /health_check\.command: is required/],
  ['COMMAND with an empty value', { type: HealthCheck_Type.COMMAND, command: CommandInfo.create({ value: '' }) }, /health_check\.command\.value: must not be empty/],
  ['HTTP without http', { type: HealthCheck_Type.HTTP }, /health_check\.http: is required for TYPE_HTTP/],
  ['HTTP port 0', { type: HealthCheck_Type.HTTP, http: { port: 0, path: '/' } }, /health_check\.http\.port: must be 1-65535 \(got 0\)/],
  ['HTTP port too big', { type: HealthCheck_Type.HTTP, http: { port: 70_000, path: '/' } }, /health_check\.http\.port: must be 1-65535/],
  ['HTTP path without /', { type: HealthCheck_Type.HTTP, http: { port: 80, path: 'health' } }, /health_check\.http\.path: must start with '\/'/],
  ['HTTP path with a newline', { type: HealthCheck_Type.HTTP, http: { port: 80, path: '/a\nb' } }, /health_check\.http\.path/],
  ['TCP without tcp', { type: HealthCheck_Type.TCP }, /health_check\.tcp: is required for TYPE_TCP/],
  ['TCP with a command too', { type: HealthCheck_Type.TCP, tcp: { port: 80 }, command: TRUE }, /health_check: TYPE_TCP takes only 'tcp'/],
  ['negative interval', { type: HealthCheck_Type.COMMAND, command: TRUE, intervalSeconds: -1 }, /health_check\.interval_seconds: must be between 0 and 86400 seconds \(got -1\)/],
  ['NaN timeout', { type: HealthCheck_Type.COMMAND, command: TRUE, timeoutSeconds: NaN }, /health_check\.timeout_seconds: .*got NaN/],
  ['negative delay', { type: HealthCheck_Type.COMMAND, command: TRUE, delaySeconds: -0.5 }, /health_check\.delay_seconds/],
  ['infinite grace period', { type: HealthCheck_Type.COMMAND, command: TRUE, gracePeriodSeconds: Infinity }, /health_check\.grace_period_seconds/],
  ['a year-long interval', { type: HealthCheck_Type.COMMAND, command: TRUE, intervalSeconds: 365 * 86_400 }, /health_check\.interval_seconds/],
];

test('healthCheckProblem: each bad HealthCheck names its field', () => {
  for (const [name, check, problem] of cases) {
    const found = healthCheckProblem('task.health_check', HealthCheck.create(check));
    assert.ok(found && problem.test(found), `${name}: got ${found}`);
  }
  const good = HealthCheck.create({ type: HealthCheck_Type.TCP, tcp: { port: 8080 } });
  assert.is(healthCheckProblem('task.health_check', good), undefined);
});

test('healthCheckPlan: unset (0) interval, timeout and consecutive_failures take Mesos defaults; delay and grace 0 mean none', () => {
  const plan = healthCheckPlan(HealthCheck.create({ type: HealthCheck_Type.TCP, tcp: { port: 8080 } }), {});
  assert.equal(plan, { probe: { type: 'tcp', port: 8080 }, delayMs: 0, intervalMs: 10_000, timeoutMs: 20_000, consecutiveFailures: 3, gracePeriodMs: 0 });
  const given = HealthCheck.create({
    type: HealthCheck_Type.HTTP,
    http: { port: 80, path: '' },
    delaySeconds: 1.5,
    intervalSeconds: 0.25,
    timeoutSeconds: 2,
    consecutiveFailures: 7,
    gracePeriodSeconds: 30,
  });
  // An empty path is '/'.
  assert.equal(healthCheckPlan(given, {}), { probe: { type: 'http', port: 80, path: '/' }, delayMs: 1500, intervalMs: 250, timeoutMs: 2000, consecutiveFailures: 7, gracePeriodMs: 30_000 });
  const command = HealthCheck.create({ type: HealthCheck_Type.COMMAND, command: CommandInfo.create({ shell: true, value: 'true', environment: { variables: [{ name: 'A', value: 'check' }] } }) });
  const probe = healthCheckPlan(command, { A: 'task', B: 'task' }).probe;
  assert.equal(probe, { type: 'command', shell: true, value: 'true', arguments: [], taskEnv: { A: 'task', B: 'task' }, ownEnv: { A: 'check' } });
});

test('through the agent: a bad HealthCheck → TASK_ERROR / TASK_INVALID naming the field, for a task and in a group', async () => {
  const rig: HealthRig = await startRig();
  try {
    const { master } = rig;
    const bad = HealthCheck.create({ type: HealthCheck_Type.HTTP, http: { port: 0, path: '/' } });
    master.send({ runTask: { frameworkInfo: FRAMEWORK, task: shellTask('bad-1', 'true', { healthCheck: bad }) } });
    const error = await waitForEnd(master, 'bad-1');
    assert.is(error.status!.state, TaskState.ERROR);
    assert.is(error.status!.reason, TaskStatus_Reason.TASK_INVALID);
    assert.is(error.status!.message, 'task.health_check.http.port: must be 1-65535 (got 0)');

    const negative = HealthCheck.create({ type: HealthCheck_Type.COMMAND, command: TRUE, consecutiveFailures: 1, intervalSeconds: -2 });
    master.send({
      runTaskGroup: {
        frameworkInfo: FRAMEWORK,
        executor: { executorId: 'bad-pod', type: 1 } as never,
        taskGroup: { tasks: [shellTask('bad-g1', 'true'), shellTask('bad-g2', 'true', { healthCheck: negative })] },
      },
    });
    for (const taskId of ['bad-g1', 'bad-g2']) {
      const end = await waitForEnd(master, taskId);
      assert.is(end.status!.state, TaskState.ERROR);
      assert.match(end.status!.message, /^task_group\.tasks\[1\]\.health_check\.interval_seconds: must be between 0/);
    }
    assert.equal(rig.agent.state().frameworks.flatMap((f) => f.executors), [], 'nothing was launched');
  } finally {
    await rig.stop();
  }
});

test.run();
