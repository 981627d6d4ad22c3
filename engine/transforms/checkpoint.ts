import { bindCheckpoint } from '../trace/bind.js';
import { flattenArgs, flattenFn } from './flat.js';
import { unflatten, type Tree } from './tree.js';

/**
 * Rematerialisation: every reverse level that differentiates `f` keeps only its inputs
 * and recomputes it during its own backward pass.
 *
 * Under nested reverse mode (grad of grad) this applies at each level independently: the
 * inner level's forward saves nothing inside `f` for either level; the inner backward
 * pass recomputes `f` and pulls back through it, and that backward pass is ordinary code
 * that the outer level differentiates as written (keeping what it needs of the
 * recomputation), as grad-of-grad with checkpointing does in other frameworks. Forward
 * mode keeps nothing, so under `jvp` the region stays one checkpoint for the levels below.
 */
export function checkpoint<F extends (...args: any[]) => Tree>(f: F): F {
  return ((...args: unknown[]) => {
    const { leaves, def } = flattenArgs(args);
    const { flat, outDef } = flattenFn(f, def);
    const outs = bindCheckpoint(flat, leaves);
    return unflatten(outDef(), outs) as ReturnType<F>;
  }) as unknown as F;
}
