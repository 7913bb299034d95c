import { ErrorCodes, type Inventory, parseInventory } from '@etcdlab/common';
import { readInputFile } from './input-file.js';

export function loadInventoryFile(file: string): Inventory {
  const text = readInputFile(file, { what: 'inventory', code: ErrorCodes.inventoryUnreadable, fix: 'pass an existing YAML file with -i, e.g. -i inventory/lab.example.yaml' });
  return parseInventory(text, file);
}
