import { readFileSync } from 'node:fs';
import { ErrorCodes, InputError, type Inventory, parseInventory } from '@etcdlab/common';

export function loadInventoryFile(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(ErrorCodes.inventoryUnreadable, `cannot read inventory file ${file}`, [
      { file, message: (err as NodeJS.ErrnoException).code ?? String(err), fix: 'pass an existing YAML file with -i, e.g. -i inventory/lab.example.yaml' },
    ]);
  }
  return parseInventory(text, file);
}
