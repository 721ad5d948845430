// Kill the leading master again and again (SIGKILL, 3 rounds) while a
// framework keeps launching short tasks over three agents, with long tasks
// running throughout. After every failover the new leader's registry is
// consistent — every agent known and active, the framework known — and at
// the end no task is lost: the long tasks run, every short task that reached
// an agent FINISHED, and the oracle saw no resend after an ack and no state
// after a terminal one. A launch the dying leader took but never passed on is
// answered by reconciliation (Mesos semantics: GONE/LOST/UNKNOWN), as a
// framework must expect.

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Harness } from './harness.ts';
import { isTerminal } from './oracle.ts';
import { sleep, until } from './util.ts';

let h: Harness | undefined;
let stopLoad = (): void => undefined;

test.after.each(async () => {
  stopLoad();
  await h?.stop();
  h = undefined;
});

interface AgentView {
  id: string;
  hostname: string;
  state: string;
}

test('leader killed 3 times under load: registry consistent after each failover, no task lost', async () => {
  h = await Harness.start({ zk: true, zkSessionTimeoutSeconds: 4 });
  await Promise.all([h.master(), h.master(), h.master()]);
  const agents = await Promise.all([1, 2, 3].map((i) => h!.agent({ hostname: `lc-a${i}` })));
  const agentIds = agents.map((a) => a.id).sort();
  const fw = h.framework('lc', { failoverTimeoutSeconds: 120 });
  const long = agents.map((a, i) => ({ taskId: `lc-long-${i}`, agent: a.name }));
  fw.launch(long);
  await h.waitForStates(fw.name, long.map((t) => t.taskId), 'RUNNING', 30_000);

  // Load: 4 short tasks every 400 ms, whichever master leads.
  const short: string[] = [];
  let n = 0;
  const timer = setInterval(() => {
    const batch = Array.from({ length: 4 }, () => ({ taskId: `lc-short-${n++}`, command: 'sleep 0.2' }));
    short.push(...batch.map((t) => t.taskId));
    fw.launch(batch);
  }, 400);
  stopLoad = () => clearInterval(timer);

  const kills: number[] = [];
  for (let round = 1; round <= 3; round++) {
    await sleep(1500);
    const leader = await h.leader();
    const t0 = performance.now();
    kills.push(Date.now());
    await leader.kill();
    const next = await h.leader(30_000);
    const elected = performance.now() - t0;
    await leader.restart(); // back as a standby, as a supervisor would
    let view: AgentView[] = [];
    await until(
      async () => {
        view = ((await next.state().catch(() => ({ agents: [] }))).agents as AgentView[]) ?? [];
        return view.filter((a) => a.state === 'active').length === 3;
      },
      30_000,
      `round ${round}: every agent active on the new leader`,
    );
    const back = performance.now() - t0;
    const state = await next.state();
    assert.equal(view.map((a) => a.id).sort(), agentIds, `round ${round}: the registry holds exactly the three agents`);
    assert.ok((state.frameworks as Array<{ id: string }>).some((f) => f.id === fw.frameworkId()), `round ${round}: the framework is known`);
    assert.equal(h.oracle.verify({ lc: long.map((t) => t.taskId) }), [], `round ${round}: long tasks run`);
    console.log(`  round ${round}: ${leader.name} killed → ${next.name} leads ${elected.toFixed(0)} ms, all agents active ${back.toFixed(0)} ms`);
  }

  stopLoad();
  // Tasks an agent ran end by themselves (their updates may wait for the
  // agent's resend, 10 s by default); only those no agent ever reported are
  // reconciled — a launch the dying leader took but never passed on.
  const reported = (t: string): boolean => fw.updates(t).some((u) => u.source !== 'MASTER');
  const ended = (t: string): boolean => fw.updates(t).some((u) => isTerminal(u.state));
  const t1 = performance.now();
  await until(() => short.filter(reported).every(ended), 25_000, 'every short task an agent ran to end').catch((err: Error) => {
    const open = short.filter((t) => reported(t) && !ended(t));
    throw new Error(`${err.message}: ${open.length} still open: ${open.slice(0, 10).join(' ')}\n${h!.oracle.dump()}`);
  });
  console.log(`  every task an agent ran ended ${(performance.now() - t1).toFixed(0)} ms after the load stopped`);
  await sleep(1000);
  const silent = short.filter((t) => !reported(t));
  if (silent.length) {
    fw.reconcile(silent);
    await until(() => silent.every(ended), 20_000, 'reconciliation answers for tasks no agent reported');
  }
  const ranOnAgent = short.filter(reported);
  const notFinished = ranOnAgent.filter((t) => !fw.updates(t).some((u) => u.state === 'FINISHED'));
  const neverRan = short.filter((t) => !ranOnAgent.includes(t));
  console.log(
    `  ${short.length} short tasks launched: ${ranOnAgent.length - notFinished.length} FINISHED, ` +
      `${neverRan.length} never reached an agent (${neverRan.map((t) => fw.updates(t).at(-1)!.state).join(' ') || '-'})`,
  );
  const story = (t: string): string => `${t}: ${fw.updates(t).map((u) => `${u.state}(${u.source} ${u.reason} +${u.at - kills[0]!}ms)`).join(' → ')}`;
  assert.equal(notFinished.map(story), [], `every task that ran FINISHED (kills at +${kills.map((k) => k - kills[0]!).join(', +')} ms)`);
  await h.oracle.settle();
  assert.equal(h.oracle.verify({ lc: long.map((t) => t.taskId) }), []);
  // Known (test/ha/README.md, "Known issues"): an update delivered just before
  // a kill, whose acknowledgement went to the dying leader and was accepted by
  // the next one, may be delivered once more when the agent comes back.
  // Counted and printed here; any other violation fails.
  const acrossKill = h.oracle.redeliveries.filter((r) => kills.some((k) => r.firstAt <= k && k <= r.ackedAt));
  if (acrossKill.length) console.log(`  known issue: ${acrossKill.length} update(s) delivered again after an ack that crossed a failover`);
  const known = new Set(acrossKill.map((r) => r.text));
  assert.equal(h.oracle.violations.filter((v) => !known.has(v)), [], h.oracle.dump());
});

test.run();
