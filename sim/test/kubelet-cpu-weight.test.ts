// kubelet's CPU request -> cpu.weight conversion against values worked out by hand from
// kubelet's MilliCPUToShares and the runtime's linear shares -> weight mapping.
import test from 'ava';
import { describeKubeletCpuWeight, kubeletCpuWeight, milliCpuToShares, sharesToCpuWeight } from '../kubelet-cpu-weight.js';

test('a 250m request gets shares 256 and cpu.weight 10', (t) => {
  t.is(milliCpuToShares(250), 256);
  t.is(kubeletCpuWeight(250), 10);
});

test('batch pods requesting 1750m in all get cpu.weight 69', (t) => {
  t.is(milliCpuToShares(1750), 1792);
  t.is(kubeletCpuWeight(1750), 69);
});

test('one whole CPU is shares 1024, cpu.weight 39; the ends map to 1 and 10000', (t) => {
  t.is(kubeletCpuWeight(1000), 39);
  t.is(sharesToCpuWeight(2), 1);
  t.is(sharesToCpuWeight(262_144), 10_000);
});

test('no request and tiny requests get the minimum shares; huge ones the maximum', (t) => {
  t.is(milliCpuToShares(0), 2);
  t.is(milliCpuToShares(1), 2);
  t.is(milliCpuToShares(1_000_000), 262_144);
});

test('bad requests are refused naming the field and the value', (t) => {
  t.throws(() => milliCpuToShares(-1), { message: /milliCpu.*-1/ });
  t.throws(() => milliCpuToShares(2.5), { message: /milliCpu.*2\.5/ });
  t.throws(() => sharesToCpuWeight(1), { message: /shares.*1$/ });
});

test('the printed line shows each step of the conversion', (t) => {
  t.is(describeKubeletCpuWeight(250), '250m -> shares 250*1024/1000 = 256 -> cpu.weight 1 + (256-2)*9999/262142 = 10');
});
