import { readFileSync } from 'node:fs';
import { InputError, ErrorCodes, parseWorkload, type Workload } from '@etcdlab/common';

export function loadWorkloadFile(file: string, quick: boolean): Workload {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(ErrorCodes.workloadUnreadable, `cannot read workload file ${file}`, [
      { file, message: (err as NodeJS.ErrnoException).code ?? String(err), fix: 'pass an existing workload file, e.g. workloads/suite.yaml' },
    ]);
  }
  return parseWorkload(text, file, { quick });
}

