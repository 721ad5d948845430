import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { Attribute, fromAllocatorAttributes, toAllocatorAttributes } from '../src/index.js';

const wire: Attribute[] = [
  Attribute.create({ name: 'rack', text: 'r12' }),
  Attribute.create({ name: 'zone', text: 'eu-west-1a' }),
  Attribute.create({ name: 'generation', scalar: { value: 2.5 } }),
];

function failsWith(message: string): (error: unknown) => boolean {
  return (error) => error instanceof TypeError && error.message === message;
}

test('binary: text and scalar attributes survive encode/decode', () => {
  for (const attribute of wire) {
    assert.equal(Attribute.decode(Attribute.encode(attribute).finish()), attribute);
  }
});

test('binary: an empty text is still text (oneof presence is kept)', () => {
  const decoded = Attribute.decode(Attribute.encode(Attribute.create({ name: 'os', text: '' })).finish());
  assert.is(decoded.text, '');
  assert.equal(toAllocatorAttributes([decoded]), { os: '' });
});

test('toAllocatorAttributes: a record by name, text as string, scalar as number', () => {
  assert.equal(toAllocatorAttributes(wire), { rack: 'r12', zone: 'eu-west-1a', generation: 2.5 });
});

test('fromAllocatorAttributes(toAllocatorAttributes(x)) gives x back, in order', () => {
  assert.equal(fromAllocatorAttributes(toAllocatorAttributes(wire)), wire);
});

test('toAllocatorAttributes: a name "__proto__" stays an own attribute', () => {
  const attributes = toAllocatorAttributes([Attribute.create({ name: '__proto__', text: 'x' })]);
  assert.equal(Object.entries(attributes), [['__proto__', 'x']]);
  assert.is(Object.getPrototypeOf(attributes), Object.prototype);
});

test('toAllocatorAttributes: both text and scalar is an error', () => {
  const both = Attribute.create({ name: 'rack', text: 'r1', scalar: { value: 1 } });
  assert.throws(() => toAllocatorAttributes([wire[0]!, both], 'agent.attributes'), failsWith('agent.attributes[1]: has both text and scalar'));
});

test('toAllocatorAttributes: neither text nor scalar is an error', () => {
  assert.throws(() => toAllocatorAttributes([Attribute.create({ name: 'rack' })]), failsWith('attributes[0]: has neither text nor scalar'));
});

test('toAllocatorAttributes: a repeated name is an error naming both entries', () => {
  const repeated = [...wire, Attribute.create({ name: 'zone', text: 'eu-west-1b' })];
  assert.throws(() => toAllocatorAttributes(repeated), failsWith('attributes[3].name: duplicates attributes[1].name ("zone")'));
});

test('fromAllocatorAttributes: a value that is neither string nor number is an error', () => {
  const bad = { rack: 'r1', gpu: true } as unknown as Record<string, string | number>;
  assert.throws(() => fromAllocatorAttributes(bad), failsWith('attributes["gpu"]: must be a string or a number (got boolean)'));
});

test.run();
