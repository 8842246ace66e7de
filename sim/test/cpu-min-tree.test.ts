// CpuMinTree, the simulator core's CPU timers: the earliest value wins, ties go to the
// smaller rank, then to the lower CPU, and re-arming a CPU in place moves it.
import test from 'ava';
import { CpuMinTree } from '../cpu-min-tree.js';
import { SeededRandom } from '../prng.js';

/** The CPU a linear scan picks: smallest value, then rank, then CPU number. */
function scanMin(tree: CpuMinTree, cpus: number): number {
  let best = cpus;
  for (let c = 0; c < cpus; c++) {
    const v = tree.value[c]!;
    const b = tree.value[best]!;
    if (v < b || (v === b && tree.order[c]! < tree.order[best]!)) best = c;
  }
  return best;
}

test('with no timer armed the minimum is Infinity', (t) => {
  const tree = new CpuMinTree(5, Infinity);
  t.is(tree.value[tree.min()], Infinity);
});

test('ties go to the lower CPU, and in a ranked tree to the smaller rank', (t) => {
  const plain = new CpuMinTree(4, Infinity);
  plain.set(3, 100);
  plain.set(1, 100);
  t.is(plain.min(), 1);
  t.throws(() => plain.setRanked(3, 100, -10), { message: /without ranks/ });
  const tree = new CpuMinTree(4, Infinity, true);
  tree.set(3, 100);
  tree.set(1, 100);
  t.is(tree.min(), 1, 'default ranks: the lower CPU');
  tree.setRanked(3, 100, 7);
  tree.setRanked(1, 100, 9);
  t.is(tree.min(), 3, 'the smaller rank, though the higher CPU');
  tree.setRanked(3, 100, 10);
  t.is(tree.min(), 1, 're-ranking the winner in place moves it');
  tree.set(1, Infinity);
  t.is(tree.min(), 3);
});

test('the root always agrees with a linear scan under random re-arming, ranked or not', (t) => {
  for (const [cpus, ranked] of [[1, true], [2, true], [3, true], [7, true], [16, true], [5, false], [16, false]] as const) {
    const random = new SeededRandom(cpus);
    const rng = (): number => random.next();
    const tree = new CpuMinTree(cpus, Infinity, ranked);
    for (let i = 0; i < 2_000; i++) {
      const c = Math.floor(rng() * cpus);
      const v = rng() < 0.2 ? Infinity : Math.floor(rng() * 8);
      if (!ranked || rng() < 0.5) tree.set(c, v);
      else tree.setRanked(c, v, Math.floor(rng() * 4));
      const m = tree.min();
      const expected = scanMin(tree, cpus);
      if (tree.value[m] === Infinity) t.is(tree.value[expected], Infinity);
      else t.is(m, expected, `${cpus} CPUs, step ${i}`);
    }
  }
});
