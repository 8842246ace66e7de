// A policy module that throws while it is being imported, for the test of a failed
// policy load in a piscina worker.
import { POLICY_API_VERSION, type PolicyModule } from '../../../policy/api.js';

if (process.env['SCX_SLO_TEST_LOAD_OK'] !== '1') throw new Error('load-failing-policy: refusing to load on purpose');

const never: PolicyModule = {
  apiVersion: POLICY_API_VERSION,
  name: 'load-failing',
  description: 'throws on import, for tests',
  createPolicy: () => ({ enqueue: () => {}, dispatch: () => [], queued: 0 }),
};
export default never;
