import { describe, expect, it } from 'vitest';
import { type ClosedInterval, PhaseRecorder } from '../src/recorder.js';

describe('PhaseRecorder: failures by endpoint', () => {
  it('counts each interval\'s failures by the endpoint they were sent to, the warm-up\'s apart, and starts each interval afresh', () => {
    const closed: ClosedInterval[] = [];
    const r = new PhaseRecorder(0, 1000, (c) => closed.push(c));
    r.failure('put', 'UNAVAILABLE', 100, false, 'http://10.0.0.1:2379');
    r.failure('put', 'DEADLINE_EXCEEDED', 200, false, 'http://10.0.0.1:2379');
    r.failure('get', 'UNAVAILABLE', 300, false, 'http://10.0.0.2:2379');
    r.failure('put', 'UNAVAILABLE', 400, true, 'http://10.0.0.3:2379');
    r.failure('put', 'UNKNOWN', 500);
    expect(r.peek().errorEndpoints).toEqual({ 'http://10.0.0.1:2379': 2, 'http://10.0.0.2:2379': 1 });
    r.success('put', 900, 1500);
    r.finish(1600);
    expect(closed.map((c) => [c.index, c.errorEndpoints])).toEqual([
      [0, { 'http://10.0.0.1:2379': 2, 'http://10.0.0.2:2379': 1 }],
      [1, {}],
    ]);
  });
});
