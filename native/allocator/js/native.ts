// Loads the napi-rs addon. The generated loader (binding.cjs) picks the .node
// file for this platform; its declarations are binding.d.cts. Nothing else in
// the package touches the binding directly.

import { createRequire } from 'node:module';

import type * as Binding from '../binding.cjs';

const require = createRequire(import.meta.url);

export const binding = require('../binding.cjs') as typeof Binding;

export type NativeAllocator = Binding.NativeAllocator;
export type AllocationOutput = Binding.AllocationOutput;
export type PlacementOutput = Binding.PlacementOutput;
export type ResourceOutput = Binding.ResourceOutput;
export type ResourceInput = Binding.ResourceInput;
