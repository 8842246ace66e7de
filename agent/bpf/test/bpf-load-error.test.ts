// A BPF object the kernel refuses must fail loudly: the error carries the verifier's
// log, so an operator sees why, and nothing is left loaded.
import test from 'ava';
import { BpfLoadError, BpfObject } from '../bpf-object.js';
import { bpfObjectPath } from './bpf-fixture.js';

test('a verifier rejection throws BpfLoadError with the verifier log', (t) => {
  const obj = BpfObject.open(bpfObjectPath('verifier_reject'));
  try {
    const err = t.throws(() => obj.load(), { instanceOf: BpfLoadError });
    t.regex(err!.message, /kernel refused to load/);
    t.regex(err!.log, /invalid access to map value/, 'the verifier says what is wrong');
    t.regex(err!.log, /read_past_end/, 'and names the program');
    t.true(err!.message.includes(err!.log.trimEnd()), 'the log is part of the message');
  } finally {
    obj.close();
  }
});

test('a missing object file is reported with a hint, not a crash', (t) => {
  t.throws(() => BpfObject.open('/nonexistent/scx_slo.bpf.o'), { instanceOf: BpfLoadError, message: /does not exist.*make build/ });
});
