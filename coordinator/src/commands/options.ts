import { ErrorCodes, InputError } from '@etcdlab/common';

/** A commander argument parser for an integer flag within [min, max], failing with a coded input error. */
export function intOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InputError(ErrorCodes.optionInvalid, `invalid value for ${flag}: "${value}"`, [
        { field: flag, message: `must be a whole number from ${min} to ${max}`, fix: `e.g. ${flag} ${Math.min(Math.max(min, 3), max)}` },
      ]);
    }
    return n;
  };
}
