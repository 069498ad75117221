import { InvalidArgumentError } from 'commander';

/** A commander argument parser for a whole number in [min, max]. */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => (text: string): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new InvalidArgumentError(`expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`);
  }
  return value;
};
