#!/usr/bin/env python3
"""Dense baseline: decode latency of torch.nn.functional.scaled_dot_product_attention on the same GPU and
shapes as bench_decode (batch 1 and 16, 32 query / 8 KV heads, d = 128, bf16, T in 16k..1M).
GQA without copying K/V: the 4 query heads of a KV head are laid out as 4 query rows of that head
(q: [batch, 8, 4, d], k/v: [batch, 8, T, d]); non-causal attention of 4 rows == GQA decode.
Bytes read = K + V. Writes CSV to argv[1]; argv[2] = copy bandwidth in GB/s (from bench_decode)."""
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "bench_sdpa.csv"
copy_gbps = float(sys.argv[2]) if len(sys.argv) > 2 else float("nan")
try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # reported, not hidden
    print(f"bench_sdpa: PyTorch missing ({e}); no dense baseline")
    with open(out, "w") as f:
        f.write("kernel,device,batch,T,ms,bytes_read,GBps,copy_GBps,frac_of_copy\n")
    sys.exit(0)

dev = torch.cuda.get_device_name(0)
rows = ["kernel,device,batch,T,ms,bytes_read,GBps,copy_GBps,frac_of_copy"]
d, hkv, g = 128, 8, 4
for batch in (1, 16):
    for T in (16384, 65536, 131072, 524288, 1048576):
        need = 2 * batch * hkv * T * d * 2
        free, _ = torch.cuda.mem_get_info()
        if need + (1 << 30) > free:
            print(f"sdpa batch {batch} T {T}: skipped (needs {need/1e9:.1f} GB, {free/1e9:.1f} GB free)")
            rows.append(f"sdpa,{dev},{batch},{T},skipped-oom,,,,")
            continue
        q = torch.randn(batch, hkv, g, d, device="cuda", dtype=torch.bfloat16)
        k = torch.randn(batch, hkv, T, d, device="cuda", dtype=torch.bfloat16)
        v = torch.randn(batch, hkv, T, d, device="cuda", dtype=torch.bfloat16)
        for _ in range(3):
            F.scaled_dot_product_attention(q, k, v)
        torch.cuda.synchronize()
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        iters = 20
        e0.record()
        for _ in range(iters):
            F.scaled_dot_product_attention(q, k, v)
        e1.record()
        torch.cuda.synchronize()
        ms = e0.elapsed_time(e1) / iters
        gbps = need / (ms * 1e-3) / 1e9
        print(f"sdpa   batch {batch:2d} T {T:8d}: {ms:.4f} ms, {need/1e9:.3f} GB read, {gbps:.0f} GB/s")
        rows.append(f"sdpa,{dev},{batch},{T},{ms:.5f},{need},{gbps:.1f},{copy_gbps:.1f},{gbps/copy_gbps:.3f}")
        del q, k, v
        torch.cuda.empty_cache()
with open(out, "w") as f:
    f.write("\n".join(rows) + "\n")
