import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseZkUrl } from '../../ts/ha/src/zk-url.ts';
import { parseMasterInfo } from '../../ts/ha/src/master-info.ts';
import { electionMembers } from '../../ts/ha/src/election.ts';

test('parses hosts, default port and path', () => {
  const u = parseZkUrl('zk://h1:2181,h2,[::1]:2182/tessera/prod/');
  assert.equal(u.servers, [
    { host: 'h1', port: 2181 },
    { host: 'h2', port: 2181 },
    { host: '::1', port: 2182 },
  ]);
  assert.is(u.path, '/tessera/prod');
  assert.is(u.connect, 'h1:2181,h2:2181,[::1]:2182');
});

test('bad URLs name the flag and the part', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /--zk: must not be empty/],
    ['h1:2181/tessera', /must start with 'zk:\/\/'/],
    ['zk://h1:2181', /no znode path/],
    ['zk:///tessera', /lists no servers/],
    ['zk://h1:2181,,h2/tessera', /server 2 is empty/],
    ['zk://h1:abc/tessera', /port 'abc', not a number/],
    ['zk://h1:70000/tessera', /outside 1\.\.65535/],
    ['zk://:2181/tessera', /has no host/],
    ['zk://h1/', /not '\/'/],
    ['zk://h1/a//b', /empty component/],
    ['zk://h1/a/../b', /'\.\.' component/],
    ['zk://u:p@h1/tessera', /credentials/],
    ['zk://h1/zookeeper/x', /reserved/],
  ];
  for (const [v, re] of bad) {
    assert.throws(() => parseZkUrl(v), (e: Error) => e instanceof TypeError && re.test(e.message) && e.message.startsWith('--zk:'), v);
  }
});

test('MasterInfo parsing names the bad field', () => {
  assert.equal(parseMasterInfo('{"id":"m1","address":"h:5050"}', '/t/info_1'), { id: 'm1', address: 'h:5050' });
  assert.throws(() => parseMasterInfo('{"id":"m1"}', '/t/info_1'), /\/t\/info_1: MasterInfo.address must be a non-empty string/);
  assert.throws(() => parseMasterInfo('nope', '/t/info_1'), /not JSON/);
});

test('election order is by sequence number and ignores other children', () => {
  assert.equal(electionMembers(['info_0000000010', 'registry', 'info_0000000002', 'info_x']), ['info_0000000002', 'info_0000000010']);
});

test.run();
