"""Runs a script with `torch.func` available on PyTorch 1.13, where it is the `functorch` package.

usage: python3 torch_func_shim.py SCRIPT [ARGS...]
"""
import runpy
import sys

import torch

if not hasattr(torch, "func"):
    import functorch

    torch.func = functorch
    sys.modules["torch.func"] = functorch

script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
