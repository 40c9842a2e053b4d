#!/usr/bin/env python3
"""CPU smoke tests of train_and_dump.py at tiny scale (torch 1.13 here, torch 2.x on the GPU box).

Runs three end-to-end configurations into OUT_ROOT/{fp32,bf16_sdpa,parts} and validates every trace
file with validate_traces.py:
  fp32      : --tiny --selftest, float32 compute, float32 storage, one full + one small file
  bf16_sdpa : --tiny with bf16 autocast on CPU (the GPU code path: bf16 tensors into attention,
              bfloat16 storage) and, where torch has no F.scaled_dot_product_attention (1.13), a
              shim with the torch 2.x signature so the SDPA call path and its arguments run too
  parts     : small size caps that force the multi-part writer and stream dropping
  fallbacks : injected faults at step 0 (CUDA-style OOM, then an SDPA error, then a failing fused
              optimizer step): micro-batch halved, manual attention, plain AdamW, run completes
usage: cpu_smoke.py [OUT_ROOT]   (default /tmp/lm_smoke); exit 0 when all pass.
"""
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_and_dump as td  # noqa: E402

SHIM_CALLS = []


def sdpa_shim(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """torch 2.x F.scaled_dot_product_attention semantics (math backend), recording its use."""
    assert attn_mask is None and dropout_p == 0.0 and is_causal and scale is None and not enable_gqa
    assert query.dtype == key.dtype == value.dtype, "SDPA needs one dtype for q, k, v"
    assert query.shape[:-2] == key.shape[:-2] == value.shape[:-2], "SDPA needs expanded (same-head-count) k, v"
    assert query.stride(-1) == key.stride(-1) == value.stride(-1) == 1, "last dim must be contiguous"
    SHIM_CALLS.append(tuple(query.shape))
    T = query.shape[-2]
    s = torch.matmul(query.float(), key.float().transpose(-1, -2)) / math.sqrt(query.shape[-1])
    s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return torch.matmul(torch.softmax(s, -1), value.float()).to(query.dtype)


class FailingFirstStep(torch.optim.AdamW):
    """Stands for a fused AdamW whose first step() fails (fallback test)."""
    failed = False

    def step(self, closure=None):
        if not FailingFirstStep.failed:
            FailingFirstStep.failed = True
            raise RuntimeError("injected optimizer failure")
        return super().step(closure)


def faulty_optimizer(model, args, device):
    opt, _ = ORIGINAL_MAKE_OPTIMIZER(model, args, device)
    return FailingFirstStep(opt.param_groups, betas=(0.9, 0.95)), "AdamW(fused)"


FAULTS = []


def faulty_sdpa(query, key, value, **kw):
    """First call: a CUDA-style out-of-memory error; second: another error; then never called
    again (the model must have switched to manual attention)."""
    FAULTS.append(tuple(query.shape))
    if len(FAULTS) == 1:
        raise RuntimeError("CUDA out of memory. Tried to allocate 17.00 GiB (injected)")
    raise RuntimeError("injected SDPA failure")


ORIGINAL_MAKE_OPTIMIZER = td.make_optimizer


def validate(out):
    files = sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".h5"))
    r = subprocess.run([sys.executable, os.path.join(HERE, "validate_traces.py"), "--attention"] + files)
    return r.returncode == 0 and len(files) > 0


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/lm_smoke"
    ok = True
    runs = [
        ("fp32", ["--tiny", "--selftest"]),
        ("bf16_sdpa", ["--tiny", "--autocast", "bf16", "--max-steps", "6", "--eval-bytes", "20000"]),
        ("parts", ["--tiny", "--max-steps", "2", "--eval-bytes", "20000", "--dump-dtype", "bfloat16",
                   "--dump-lengths", "128,256,512", "--file-cap-mb", "0.12", "--total-cap-mb", "0.45",
                   "--small-cap-mb", "0.1"]),
        ("fallbacks", ["--tiny", "--max-steps", "3", "--eval-bytes", "20000"]),
    ]
    for name, extra in runs:
        out = os.path.join(root, name)
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(out):
            os.remove(os.path.join(out, f))
        shimmed = False
        if name == "bf16_sdpa" and not td.HAS_SDPA:
            F.scaled_dot_product_attention = sdpa_shim
            td.HAS_SDPA = True
            shimmed = True
        if name == "fallbacks":  # OOM -> micro-batch halved; SDPA error -> manual; optimizer error -> AdamW
            F.scaled_dot_product_attention = faulty_sdpa
            td.HAS_SDPA = True
            td.make_optimizer = faulty_optimizer
        t = td.T_START = time.time()  # each run gets its own deadline clock
        print(f"===== {name}: {' '.join(extra)}", flush=True)
        rc = td.main(extra + ["--out", out])
        print(f"===== {name}: rc {rc} in {time.time() - t:.1f}s", flush=True)
        ok &= rc == 0
        if shimmed:
            print(f"===== {name}: SDPA shim called {len(SHIM_CALLS)} times, e.g. shape {SHIM_CALLS[0]}")
            ok &= len(SHIM_CALLS) > 0
            del F.scaled_dot_product_attention
            td.HAS_SDPA = False
        import json
        summ = json.load(open(os.path.join(out, "summary.json")))
        if name == "fallbacks":
            del F.scaled_dot_product_attention
            td.HAS_SDPA = False
            td.make_optimizer = ORIGINAL_MAKE_OPTIMIZER
            tr = summ["train"]
            print(f"===== {name}: SDPA calls {len(FAULTS)}, final micro-batch {tr['final_micro_batch']}, "
                  f"optimizer {tr['optimizer']}, steps {tr['steps']}, failure {tr['failure']}")
            ok &= (len(FAULTS) == 2 and tr["final_micro_batch"] == 2 and tr["optimizer"] == "AdamW"
                   and tr["steps"] == 3 and tr["failure"] is None)
        d = summ["dump"]
        print(f"===== {name}: storage {d['storage_dtype']}, check max rel err {d['check_max_rel_err']:.2e}, "
              f"files {[(f['path'], len(f['streams'])) for k in ('small', 'full') for f in d[k]['files']]}, "
              f"dropped {d['full']['dropped'] + d['small']['dropped']}")
        tol = 1e-4 if d["storage_dtype"] == "float32" else 2e-2  # bf16: output rounding 2^-8 (+ input rounding)
        if not d["check_max_rel_err"] < tol:
            print(f"===== {name}: FAIL dumped K/V/Q do not reproduce the model's attention output")
            ok = False
        ok &= validate(out)
        if name == "parts":
            n_parts = len(d["full"]["files"])
            ok &= n_parts >= 2 and len(d["full"]["dropped"]) > 0
            ok &= all(f["bytes"] <= 0.12e6 for k in ("small", "full") for f in d[k]["files"])
    print("CPU SMOKE:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
