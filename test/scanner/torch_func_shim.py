"""Runs scripts with `torch.func` available on PyTorch 1.13, where it is the `functorch` package
(plus `functional_call`, which 1.13 keeps in torch.nn.utils.stateless).

usage: python3 torch_func_shim.py SCRIPT [SCRIPT...] [-- ARGS...]
ARGS after `--` are every script's command-line arguments. Several scripts run one after another in this one process (torch is imported once); each one's
output is preceded by a line `=== mixflow-script N ===` and a failing script prints its traceback
and `=== mixflow-failed N ===` without stopping the others.
"""
import os
import runpy
import sys
import traceback

import torch

if not hasattr(torch, "func"):
    import functorch

    if not hasattr(functorch, "functional_call"):
        from torch.nn.utils.stateless import functional_call

        functorch.functional_call = functional_call
    torch.func = functorch
    sys.modules["torch.func"] = functorch

args = sys.argv[1:]
scripts, script_args = (args[: args.index("--")], args[args.index("--") + 1:]) if "--" in args else (args, [])
for index, script in enumerate(scripts):
    if len(scripts) > 1:
        print(f"=== mixflow-script {index} ===", flush=True)
    sys.argv = [script, *script_args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))  # as `python3 script` would
    try:
        runpy.run_path(script, run_name="__main__")
    except Exception:
        if len(scripts) == 1:
            raise
        traceback.print_exc(file=sys.stdout)
        print(f"=== mixflow-failed {index} ===", flush=True)
    sys.stdout.flush()
