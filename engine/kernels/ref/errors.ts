import type { Shape } from '../../core/shape.js';

/** Formats a shape the way error messages quote it: [2,3]. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Every kernel error names the kernel first so a failing verification run points at it. */
export function kernelError(kernel: string, message: string): Error {
  return new Error(`${kernel}: ${message}`);
}
