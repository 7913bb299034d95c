import { ErrorCodes, parseWorkload, type Workload, type WorkloadOverrides } from '@etcdlab/common';
import { readInputFile } from './input-file.js';

export function loadWorkloadFile(file: string, quick: boolean, overrides?: WorkloadOverrides): Workload {
  const text = readInputFile(file, { what: 'workload', code: ErrorCodes.workloadUnreadable, fix: 'pass an existing workload file, e.g. workloads/suite.yaml' });
  return parseWorkload(text, file, { quick, ...(overrides ? { overrides } : {}) });
}

