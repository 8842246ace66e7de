// The system's loaded BPF programs as prog-info.ts reads them: a program this test
// loads shows up with its name, type and the verifier's instruction count.
import test from 'ava';
import { BpfObject } from '../bpf-object.js';
import { BPF_PROG_TYPE, loadedPrograms } from '../prog-info.js';
import { bpfObjectPath } from './bpf-fixture.js';

test('a loaded program is listed with its name, type and verified instruction count', (t) => {
  const obj = BpfObject.open(bpfObjectPath('deadline_test'));
  try {
    obj.load();
    const mine = loadedPrograms().filter((p) => p.name === 'deadline' && p.type === BPF_PROG_TYPE.SYSCALL);
    t.true(mine.length >= 1, 'found');
    t.true(mine.every((p) => p.id > 0 && p.verifiedInsns > 0), JSON.stringify(mine));
  } finally {
    obj.close();
  }
});
