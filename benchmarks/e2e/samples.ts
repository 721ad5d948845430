// A growable array of float64 samples: hundreds of thousands of ping gaps or
// latencies without a JS array of boxed numbers.

import { summarize, type Stats } from '../allocator/stats.js';

export class Samples {
  #data = new Float64Array(1024);
  #length = 0;

  push(x: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = x;
  }

  get length(): number {
    return this.#length;
  }

  values(): Float64Array {
    return this.#data.subarray(0, this.#length);
  }

  /** Median, p99, mean, min and max (the allocator benchmarks' definitions). */
  stats(): Stats {
    return summarize(Array.from(this.values()));
  }
}
