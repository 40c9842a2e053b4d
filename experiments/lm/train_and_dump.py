#!/usr/bin/env python3
"""Train a small byte-level decoder-only transformer on Python source text and dump decode-time
attention traces in vashista trace format v1 (docs/trace-format.md).

Pipeline (every phase is time-boxed against one wall-clock deadline, see --deadline):
  1. data     : *.py files of the installed Python (stdlib + site-packages), deterministic order
                (md5 of the path relative to its root), split train / held-out by md5 of the file
                CONTENT (identical files land in the same split), files joined with a NUL byte.
  2. model    : pre-LN decoder-only transformer, RoPE, GQA (n_head query heads share n_kv_head
                key/value heads), head dim 64, GELU MLP, byte vocabulary (256).
  3. training : AdamW, linear warmup then cosine decay driven by elapsed time, bf16 autocast on
                GPU, random windows of seq_len + 1 bytes, stops when --train-seconds is spent.
  4. eval     : held-out bits/byte at context seq_len (non-overlapping windows) next to
                xz (lzma preset 9 | PRESET_EXTREME) on exactly the same bytes.
  5. dump     : one forward pass over held-out sequences of dump_len bytes, capturing for every
                layer and KV head the keys and values after RoPE (the tensors fed to attention)
                and the queries at decode positions L-k..L-1 for each dump length L.

Runs on torch 1.13 (CPU) and torch 2.x (CUDA). Nothing is written to --out except the trace
files, summary.json and (by run_gpu.sh) train_log.txt; the checkpoint goes to /tmp.
"""
import time

T_START = time.time()  # before the heavy imports: the deadline counts them

import argparse
import concurrent.futures
import contextlib
import hashlib
import json
import lzma
import math
import os
import site
import sys
import sysconfig
import threading

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

try:
    import h5py
except ImportError:  # reported at the start, before any training time is spent
    h5py = None

VOCAB = 256
SEPARATOR = b"\x00"  # between files; files containing NUL are skipped
MIB = 1024 * 1024


def log(msg):
    print(f"[{time.time() - T_START:7.1f}s] {msg}", flush=True)


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.environ.get("OUT", "./out"), help="output folder (default $OUT or ./out)")
    p.add_argument("--tiny", action="store_true", help="tiny CPU smoke-test configuration")
    p.add_argument("--device", default="auto", help="auto | cuda | cpu")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--autocast", default="auto", choices=["auto", "bf16", "off"],
                   help="auto: bf16 autocast on CUDA, none on CPU (bf16 on CPU exercises the GPU code path)")
    # wall clock
    p.add_argument("--deadline", type=float, default=480.0,
                   help="seconds from process start by which everything must be written")
    p.add_argument("--train-seconds", type=float, default=330.0)
    p.add_argument("--load-seconds", type=float, default=30.0, help="time box of corpus loading")
    p.add_argument("--eval-seconds", type=float, default=30.0)
    p.add_argument("--post-train-reserve", type=float, default=70.0,
                   help="seconds kept after training for eval + dump (training is cut to keep them)")
    # data
    p.add_argument("--max-train-bytes", type=int, default=160 * 1000 * 1000)
    p.add_argument("--max-file-bytes", type=int, default=1000 * 1000, help="skip larger files")
    p.add_argument("--heldout-mod", type=int, default=32, help="1 file in heldout-mod (by content hash) is held out")
    p.add_argument("--eval-bytes", type=int, default=4 * 1000 * 1000, help="held-out bytes evaluated (cap)")
    # model
    p.add_argument("--n-layer", type=int, default=8)
    p.add_argument("--d-model", type=int, default=512)
    p.add_argument("--n-head", type=int, default=8)
    p.add_argument("--n-kv-head", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--mlp-mult", type=int, default=4)
    p.add_argument("--rope-base", type=float, default=10000.0)
    # optimisation
    p.add_argument("--seq-len", type=int, default=8192)
    p.add_argument("--batch", type=int, default=8, help="sequences per optimizer step")
    p.add_argument("--micro-batch", type=int, default=8, help="sequences per forward (halved on OOM)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr-ratio", type=float, default=0.1)
    p.add_argument("--warmup-steps", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=0, help="0 = limited by time only")
    p.add_argument("--log-every", type=int, default=25)
    # dump
    p.add_argument("--dump-lengths", default="1024,2048,4096,8192", help="context lengths of decode steps")
    p.add_argument("--decode-steps", type=int, default=8, help="decode positions per context length")
    p.add_argument("--dump-seqs", type=int, default=2)
    p.add_argument("--small-max-len", type=int, default=4096, help="keys kept in the small file")
    p.add_argument("--dump-dtype", default="auto", help="auto | float32 | bfloat16 (auto: the compute dtype)")
    p.add_argument("--file-cap-mb", type=float, default=15.0, help="max size of one output file (MB)")
    p.add_argument("--small-cap-mb", type=float, default=8.0)
    p.add_argument("--total-cap-mb", type=float, default=60.0, help="max bytes of all trace files together (MB)")
    p.add_argument("--max-files", type=int, default=8, help="max files under --out (log + summary included)")
    p.add_argument("--ckpt", default="/tmp/vashista_lm_ckpt.pt", help="checkpoint path ('' = none); never under --out")
    p.add_argument("--selftest", action="store_true", help="run model self-tests (RoPE, causality, SDPA) first")
    args = p.parse_args(argv)
    if args.tiny:
        tiny = dict(n_layer=2, d_model=64, n_head=4, n_kv_head=2, head_dim=16, seq_len=512, batch=4,
                    micro_batch=4, max_steps=20, warmup_steps=5, log_every=5, lr=3e-3,
                    max_train_bytes=4 * 1000 * 1000, eval_bytes=64 * 1024, dump_lengths="128,256",
                    small_max_len=128, train_seconds=120.0, eval_seconds=30.0, deadline=400.0)
        given = {a.lstrip("-").replace("-", "_").split("=")[0] for a in (argv if argv is not None else sys.argv[1:])
                 if a.startswith("--")}
        for k, v in tiny.items():
            if k not in given:
                setattr(args, k, v)
    args.dump_lengths = sorted({int(x) for x in str(args.dump_lengths).split(",") if x.strip()})
    assert args.n_head % args.n_kv_head == 0, "n_head must be a multiple of n_kv_head"
    assert args.batch % args.micro_batch == 0, "batch must be a multiple of micro_batch"
    assert args.dump_lengths[0] >= args.decode_steps, "dump lengths must be >= decode steps"
    return args


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def source_roots():
    """Folders holding Python source: the stdlib and every site-packages folder, plus the parent
    folders of the torch and numpy packages (covers virtual environments)."""
    cands = []
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            cands.append(paths[key])
    try:
        cands += list(site.getsitepackages())
    except Exception:
        pass
    for mod in (torch, np):
        cands.append(os.path.dirname(os.path.dirname(os.path.abspath(mod.__file__))))
    roots = []
    for c in cands:
        r = os.path.realpath(c)
        if os.path.isdir(r) and r not in roots:
            roots.append(r)
    return roots


def list_py_files(roots, max_file_bytes, deadline):
    """(key, path, size, rel) of every *.py file under roots (symlinked folders not followed),
    deduplicated by inode. key = md5 of the path relative to its root: the read order, identical
    across machines with the same packages."""
    seen = set()
    files = []
    for root in roots:
        stack = [root]
        while stack:
            if time.time() > deadline:
                log("  file listing stopped at its time box")
                return sorted(files)
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                try:
                    if e.is_dir(follow_symlinks=False):
                        if e.name != "__pycache__" and not e.name.startswith("."):
                            stack.append(e.path)
                    elif e.name.endswith(".py") and e.is_file():
                        st = e.stat()
                        ident = (st.st_dev, st.st_ino)
                        if ident in seen or not 0 < st.st_size <= max_file_bytes:
                            continue
                        seen.add(ident)
                        rel = os.path.relpath(e.path, root)
                        files.append((hashlib.md5(rel.encode("utf-8", "replace")).hexdigest(), e.path,
                                      st.st_size, rel))
                except OSError:
                    continue
    return sorted(files)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def load_corpus(args, deadline):
    t0 = time.time()
    roots = source_roots()
    log(f"data: roots {roots}")
    files = list_py_files(roots, args.max_file_bytes, deadline)
    log(f"data: {len(files)} candidate .py files ({sum(f[2] for f in files) / 1e6:.1f} MB) listed in {time.time() - t0:.1f}s")
    train, held = [], []  # lists of bytes
    train_docs, held_docs = [], []  # (rel path, size)
    seen_content = set()
    n_train = n_held = 0
    skipped_dup = skipped_nul = 0
    max_held = max(args.eval_bytes * 2, 4 * args.seq_len * 8)
    batch = 512
    stopped_by_time = False
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(0, len(files), batch):
            chunk = files[i:i + batch]
            for (key, real, size, rel), data in zip(chunk, pool.map(_read, [c[1] for c in chunk])):
                if not data or SEPARATOR in data:
                    skipped_nul += data is not None and SEPARATOR in data
                    continue
                digest = hashlib.md5(data).digest()
                if digest in seen_content:
                    skipped_dup += 1
                    continue
                seen_content.add(digest)
                if int.from_bytes(digest[:4], "little") % args.heldout_mod == 0:
                    if n_held < max_held:
                        held.append(data)
                        held_docs.append((rel, len(data)))
                        n_held += len(data) + 1
                else:
                    if n_train < args.max_train_bytes:
                        train.append(data)
                        train_docs.append((rel, len(data)))
                        n_train += len(data) + 1
            if n_train >= args.max_train_bytes:  # held-out keeps its natural share (1/heldout_mod)
                break
            if time.time() > deadline:
                stopped_by_time = True
                log("  reading stopped at its time box")
                break
    train_bytes = SEPARATOR.join(train) + SEPARATOR
    held_bytes = SEPARATOR.join(held) + SEPARATOR
    stats = dict(roots=roots, candidate_files=len(files), train_files=len(train), heldout_files=len(held),
                 train_bytes=len(train_bytes), heldout_bytes=len(held_bytes), duplicates_skipped=skipped_dup,
                 nul_files_skipped=int(skipped_nul), stopped_by_time=stopped_by_time,
                 load_seconds=round(time.time() - t0, 2),
                 split="1 file in %d held out by md5(content); train/held-out never share an identical file"
                       % args.heldout_mod)
    log(f"data: train {len(train)} files {len(train_bytes) / 1e6:.1f} MB, held-out {len(held)} files "
        f"{len(held_bytes) / 1e6:.2f} MB, {skipped_dup} duplicates skipped, loaded in {stats['load_seconds']}s")
    return train_bytes, held_bytes, held, held_docs, stats


# --------------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------------

def rope_tables(max_len, head_dim, base):
    """cos/sin [max_len, head_dim/2] in float32: angle(t, i) = t * base^(-2i/head_dim)."""
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    ang = torch.arange(max_len, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    """x [B, H, T, D] (float32); rotate-half convention: (x1, x2) -> (x1 c - x2 s, x2 c + x1 s)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def causal_attention(q, k, v, use_sdpa=True):
    """softmax(q k^T / sqrt(D) + causal mask) v for q, k, v [B, H, T, D] (k, v already expanded)."""
    if HAS_SDPA and use_sdpa:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    T = q.shape[-2]
    scores = torch.matmul(q.float(), k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(mask, float("-inf"))
    return torch.matmul(torch.softmax(scores, dim=-1), v.float()).to(v.dtype)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.h, self.kvh, self.hd = cfg["n_head"], cfg["n_kv_head"], cfg["head_dim"]
        d = cfg["d_model"]
        self.qkv = nn.Linear(d, (self.h + 2 * self.kvh) * self.hd, bias=False)
        self.proj = nn.Linear(self.h * self.hd, d, bias=False)
        self.capture = None  # dict -> filled with q, k, v (post-RoPE, as fed to attention) and y
        self.use_sdpa = True

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        qkv = self.qkv(x)
        q, k, v = qkv.split([self.h * self.hd, self.kvh * self.hd, self.kvh * self.hd], dim=-1)
        q = q.reshape(B, T, self.h, self.hd).transpose(1, 2)
        k = k.reshape(B, T, self.kvh, self.hd).transpose(1, 2)
        v = v.reshape(B, T, self.kvh, self.hd).transpose(1, 2)
        c, s = cos[:T], sin[:T]
        q = apply_rope(q.float(), c, s).to(v.dtype)
        k = apply_rope(k.float(), c, s).to(v.dtype)
        g = self.h // self.kvh  # query head i uses KV head i // g
        ke = k.repeat_interleave(g, dim=1) if g > 1 else k
        ve = v.repeat_interleave(g, dim=1) if g > 1 else v
        y = causal_attention(q, ke, ve, self.use_sdpa)
        if self.capture is not None:
            self.capture.update(q=q.detach(), k=k.detach(), v=v.detach(), y=y.detach())
        return self.proj(y.transpose(1, 2).reshape(B, T, self.h * self.hd))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.ln1 = nn.Parameter(torch.ones(d))
        self.ln2 = nn.Parameter(torch.ones(d))
        self.attn = Attention(cfg)
        self.fc = nn.Linear(d, cfg["mlp_mult"] * d, bias=False)
        self.fc2 = nn.Linear(cfg["mlp_mult"] * d, d, bias=False)

    def forward(self, x, cos, sin):
        d = x.shape[-1]
        x = x + self.attn(F.layer_norm(x, (d,), self.ln1), cos, sin)
        return x + self.fc2(F.gelu(self.fc(F.layer_norm(x, (d,), self.ln2)), approximate="tanh"))


class ByteLM(nn.Module):
    def __init__(self, cfg, max_len):
        super().__init__()
        self.cfg = dict(cfg)
        d = cfg["d_model"]
        self.emb = nn.Embedding(VOCAB, d)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.Parameter(torch.ones(d))
        self.head = nn.Linear(d, VOCAB, bias=False)
        cos, sin = rope_tables(max_len, cfg["head_dim"], cfg["rope_base"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, prm in self.named_parameters():
            if prm.dim() == 2:
                std = 0.02
                if name.endswith("proj.weight") or name.endswith("fc2.weight"):
                    std = 0.02 / math.sqrt(2 * cfg["n_layer"])
                nn.init.normal_(prm, mean=0.0, std=std)

    def forward(self, idx):
        x = self.emb(idx)
        for b in self.blocks:
            x = b(x, self.cos, self.sin)
        x = F.layer_norm(x, (x.shape[-1],), self.ln_f)
        return self.head(x)


def num_params(model):
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------------------------
# self-tests (CPU, float32): RoPE relative-position property, causality, SDPA == manual
# --------------------------------------------------------------------------------------------

def selftest(cfg):
    torch.manual_seed(0)
    cos, sin = rope_tables(64, cfg["head_dim"], cfg["rope_base"])
    q = torch.randn(1, 1, 1, cfg["head_dim"]).expand(1, 1, 64, cfg["head_dim"])
    k = torch.randn(1, 1, 1, cfg["head_dim"]).expand(1, 1, 64, cfg["head_dim"])
    qr, kr = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
    # <R_m q, R_n k> depends on m - n only
    d1 = (qr[0, 0, 10] * kr[0, 0, 3]).sum().item()
    d2 = (qr[0, 0, 40] * kr[0, 0, 33]).sum().item()
    assert abs(d1 - d2) < 1e-4 * max(1.0, abs(d1)), f"RoPE relative property failed: {d1} vs {d2}"
    # RoPE preserves norms
    assert torch.allclose(qr.norm(dim=-1), q.norm(dim=-1), rtol=1e-5)
    model = ByteLM(cfg, 64).eval()
    x = torch.randint(0, VOCAB, (2, 48))
    with torch.no_grad():
        a = model(x)
        x2 = x.clone()
        x2[:, 30:] = torch.randint(0, VOCAB, (2, 18))
        b = model(x2)
        assert torch.allclose(a[:, :30], b[:, :30], atol=1e-5), "model is not causal"
        assert not torch.allclose(a[:, 30:], b[:, 30:]), "later logits do not depend on the input"
        if HAS_SDPA:
            for blk in model.blocks:
                blk.attn.use_sdpa = False
            c = model(x)
            for blk in model.blocks:
                blk.attn.use_sdpa = True
            assert torch.allclose(a, c, atol=1e-4), "SDPA and manual attention differ"
    log("selftest: RoPE relative-position property, norm preservation, causality"
        + (", SDPA == manual attention" if HAS_SDPA else " (no SDPA in this torch)") + ": passed")


# --------------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------------

def is_oom(exc):
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom_type is not None and isinstance(exc, oom_type)) or "out of memory" in str(exc).lower()


def make_optimizer(model, args, device):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    groups = [dict(params=decay, weight_decay=args.weight_decay), dict(params=no_decay, weight_decay=0.0)]
    kw = dict(lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(groups, fused=True, **kw), "AdamW(fused)"
        except (TypeError, RuntimeError, ValueError):
            pass
    return torch.optim.AdamW(groups, **kw), "AdamW"


def train(model, train_data, args, device, amp, train_seconds):
    opt, opt_name = make_optimizer(model, args, device)
    T = args.seq_len
    n = train_data.numel()
    assert n > T + 1, f"training corpus too small ({n} bytes) for seq_len {T}"
    offs = torch.arange(T + 1, device=device)
    micro = args.micro_batch
    step = 0
    tokens = 0
    loss_acc = torch.zeros((), device=device)
    loss_cnt = 0
    history = []
    failure = None
    lr = 0.0
    t0 = time.time()
    t_log = t0
    tok_log = 0
    log(f"train: {opt_name}, {args.batch} x {T} tokens/step, micro-batch {micro}, lr {args.lr}, "
        f"budget {train_seconds:.0f}s" + (f", max {args.max_steps} steps" if args.max_steps else ""))
    model.train()
    while True:
        elapsed = time.time() - t0
        if elapsed >= train_seconds or (args.max_steps and step >= args.max_steps):
            break
        progress = min(1.0, elapsed / train_seconds)
        lr = args.lr * min(1.0, (step + 1) / args.warmup_steps) * \
            (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))
        for gr in opt.param_groups:
            gr["lr"] = lr
        phase = "forward/backward"
        try:
            opt.zero_grad(set_to_none=True)
            accum = args.batch // micro
            for _ in range(accum):
                starts = torch.randint(0, n - T - 1, (micro, 1), device=device)
                chunk = train_data[starts + offs].long()
                with amp():
                    logits = model(chunk[:, :-1])
                loss = F.cross_entropy(logits.float().reshape(-1, VOCAB), chunk[:, 1:].reshape(-1))
                (loss / accum).backward()
                loss_acc += loss.detach()
                loss_cnt += 1
            phase = "optimizer"
            if args.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            opt.step()
        except Exception as exc:  # OOM: halve the micro-batch; other errors: see below
            logits = loss = chunk = None  # free what the failed step held
            if not is_oom(exc) or micro == 1:
                opt.zero_grad(set_to_none=True)
                loss_acc.zero_()
                loss_cnt = 0
                if step == 0 and phase == "optimizer" and opt_name != "AdamW":
                    log(f"train: optimizer step failed ({type(exc).__name__}: {exc}); retrying with plain AdamW")
                    groups = [{k: v for k, v in g.items() if k not in ("fused", "foreach", "capturable")}
                              for g in opt.param_groups]
                    opt = torch.optim.AdamW(groups, betas=(0.9, 0.95), eps=1e-8)
                    opt_name = "AdamW"
                    continue
                if step == 0 and phase == "forward/backward" and HAS_SDPA and model.blocks[0].attn.use_sdpa:
                    log(f"train: step failed with SDPA ({type(exc).__name__}: {exc}); retrying with manual attention")
                    for blk in model.blocks:
                        blk.attn.use_sdpa = False
                    continue
                if step == 0:
                    raise
                log(f"train: STOPPED by {type(exc).__name__}: {exc} (model kept as after step {step})")
                failure = f"{type(exc).__name__}: {exc}"
                break
            del exc
            opt.zero_grad(set_to_none=True)
            loss_acc.zero_()
            loss_cnt = 0
            if device.type == "cuda":
                torch.cuda.empty_cache()
            micro //= 2
            while args.batch % micro:
                micro -= 1
            log(f"train: out of memory, micro-batch -> {micro}")
            continue
        step += 1
        tokens += args.batch * T
        tok_log += args.batch * T
        if step % args.log_every == 0 or step == 1:
            l = (loss_acc / max(1, loss_cnt)).item()  # synchronises
            now = time.time()
            rate = tok_log / max(1e-9, now - t_log)
            log(f"step {step:5d}  loss {l:.4f}  ({l / math.log(2):.3f} bits/byte)  lr {lr:.2e}  "
                f"train {now - t0:6.1f}s  {rate / 1e3:7.1f} ktok/s")
            history.append(dict(step=step, loss=round(l, 5), bits_per_byte=round(l / math.log(2), 5),
                                lr=lr, seconds=round(now - t0, 2), tok_per_s=round(rate)))
            loss_acc.zero_()
            loss_cnt = 0
            t_log, tok_log = now, 0
    if device.type == "cuda":
        torch.cuda.synchronize()
    secs = time.time() - t0
    if loss_cnt:
        l = (loss_acc / loss_cnt).item()
        history.append(dict(step=step, loss=round(l, 5), bits_per_byte=round(l / math.log(2), 5),
                            lr=lr, seconds=round(secs, 2)))
    log(f"train: done, {step} steps, {tokens / 1e6:.1f} M tokens in {secs:.1f}s ({tokens / max(secs, 1e-9) / 1e3:.1f} ktok/s)")
    return dict(steps=step, tokens_seen=tokens, train_seconds=round(secs, 2), optimizer=opt_name,
                final_micro_batch=micro, history=history, failure=failure,
                attention="sdpa" if (HAS_SDPA and model.blocks[0].attn.use_sdpa) else "manual",
                final_train_bits_per_byte=history[-1]["bits_per_byte"] if history else None)


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------

def xz_bits_per_byte(data):
    c = lzma.compress(bytes(data), preset=9 | lzma.PRESET_EXTREME)
    return 8.0 * len(c) / len(data), len(c)


@torch.no_grad()
def evaluate(model, held_bytes, args, device, amp, seconds):
    """Mean bits/byte over held-out windows of seq_len + 1 bytes (consecutive windows share one
    byte: every byte after the first is predicted once, with 0 .. seq_len-1 bytes of context)."""
    T = args.seq_len
    n_win = (min(len(held_bytes), args.eval_bytes) - 1) // T
    assert n_win >= 1, f"held-out text too short ({len(held_bytes)} bytes) for one window of {T}"
    data = torch.from_numpy(np.frombuffer(held_bytes, dtype=np.uint8)[: n_win * T + 1].copy()).to(device)
    model.eval()
    nb = 8  # position buckets of the context, for the long-context profile
    bucket = (torch.arange(T, device=device) * nb) // T
    b_sum = torch.zeros(nb, dtype=torch.float64, device=device)
    total = torch.zeros((), dtype=torch.float64, device=device)
    count = 0
    t0 = time.time()
    done = 0
    bs = max(1, args.micro_batch)
    while done < n_win:
        if time.time() - t0 > seconds and done > 0:
            log(f"eval: stopped at its time box after {done}/{n_win} windows")
            break
        w = min(bs, n_win - done)
        idx = (torch.arange(done, done + w, device=device) * T)[:, None] + torch.arange(T + 1, device=device)
        chunk = data[idx].long()
        with amp():
            logits = model(chunk[:, :-1])
        nll = F.cross_entropy(logits.float().reshape(-1, VOCAB), chunk[:, 1:].reshape(-1), reduction="none")
        nll = nll.reshape(w, T).double()
        total += nll.sum()
        b_sum += torch.zeros(nb, dtype=torch.float64, device=device).index_add_(0, bucket, nll.sum(0))
        count += w * T
        done += w
    bpb = (total / count).item() / math.log(2)
    per_bucket = (b_sum / (count / nb)).cpu().numpy() / math.log(2)
    secs = time.time() - t0
    log(f"eval: held-out {bpb:.4f} bits/byte over {count} bytes ({done} windows of {T}) in {secs:.1f}s")
    labels = [f"{i * T // nb}-{(i + 1) * T // nb - 1}" for i in range(nb)]
    log("eval: bits/byte by context position: " + ", ".join(f"{a}: {b:.3f}" for a, b in zip(labels, per_bucket)))
    return dict(heldout_bits_per_byte=bpb, eval_bytes=done * T + 1, eval_windows=done, eval_seconds=round(secs, 2),
                bits_per_byte_by_position=dict(zip(labels, [round(float(x), 4) for x in per_bucket])))


# --------------------------------------------------------------------------------------------
# trace dump
# --------------------------------------------------------------------------------------------

def looks_like_code(rel, text):
    """Ordinary hand-written source rather than a generated table: a public module name, at least
    4 function definitions and a mean line length under 60 bytes in the first `len(text)` bytes."""
    name = os.path.basename(rel)
    if name.startswith("_") and name != "__init__.py":
        return False
    lines = text.split(b"\n")
    return text.count(b"def ") >= 4 and len(text) / max(1, len(lines)) < 60


def pick_dump_sequences(held_docs_bytes, held_docs, length, count):
    """seq0: the first held-out file (in the deterministic order) of size >= 1.5 * length and
    <= 100 * length, truncated (one coherent document); later sequences: consecutive held-out files
    joined with NUL, starting at evenly spaced file boundaries (multi-document contexts)."""
    seqs = []
    for data, (rel, size) in zip(held_docs_bytes, held_docs):
        if 1.5 * length <= size <= 100 * length and looks_like_code(rel, data[:length]):
            seqs.append((data[:length], [dict(file=rel, bytes=length, offset=0)], "one file"))
            break
    start_files = len(held_docs_bytes)
    j = 0
    while len(seqs) < count and j < count * 4:
        first = ((j + 1) * start_files) // (count * 4 + 1)
        j += 1
        buf = b""
        docs = []
        i = first
        while len(buf) < length and i < len(held_docs_bytes):
            take = held_docs_bytes[i][: length - len(buf)]
            docs.append(dict(file=held_docs[i][0], bytes=len(take), offset=0))
            buf += take
            if len(buf) < length:
                buf += SEPARATOR
            i += 1
        if len(buf) >= length:
            seqs.append((buf[:length], docs, "consecutive files joined with NUL"))
    return seqs[:count]


def to_storage(t, dtype):
    """torch tensor -> (numpy array, attrs) in the trace storage dtype."""
    if dtype == "bfloat16":
        b = t.detach().to("cpu", torch.bfloat16).contiguous()
        return b.view(torch.int16).numpy().view(np.uint16), {"dtype": "bfloat16"}
    return t.detach().to("cpu", torch.float32).contiguous().numpy(), {}


def from_storage(a):
    if a.dtype == np.uint16:
        return (a.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return a.astype(np.float64)


def write_dataset(g, name, arr, attrs):
    chunks = None
    if arr.ndim == 2:
        chunks = (min(arr.shape[0], 1024), arr.shape[1])
    elif arr.ndim == 1:
        chunks = (min(arr.shape[0], 4096),)
    ds = g.create_dataset(name, data=arr, chunks=chunks, compression="gzip", compression_opts=4,
                          shuffle=arr.dtype.itemsize > 1)
    for k, v in attrs.items():
        ds.attrs[k] = v
    return ds


class TraceWriter:
    """Writes streams into one or more trace files: a new file (name_part{k}.h5) starts when the
    next stream would push the current one past file_cap; writing stops at total_cap or max_parts."""

    def __init__(self, out_dir, base, root_attrs, file_cap, total_cap, max_parts):
        self.out_dir, self.base, self.root_attrs = out_dir, base, root_attrs
        self.file_cap, self.total_cap, self.max_parts = file_cap, total_cap, max_parts
        self.parts = []  # [path, [stream names]]
        self.f = None
        self.max_stream = 0
        self.closed_bytes = 0
        self.dropped = []

    def _open(self):
        path = os.path.join(self.out_dir, f"{self.base}_part{len(self.parts)}.h5")
        self.f = h5py.File(path, "w")
        for k, v in self.root_attrs.items():
            self.f.attrs[k] = v
        self.f.create_group("streams")
        self.f.flush()
        self.parts.append([path, []])

    def _size(self):
        self.f.flush()
        return os.path.getsize(self.parts[-1][0])

    def add(self, name, attrs, datasets, raw_estimate):
        est = int(1.15 * (self.max_stream or raw_estimate)) + 64 * 1024
        if self.f is not None and self.parts[-1][1] and self._size() + est > self.file_cap:
            self._close()
        if self.closed_bytes + (self._size() if self.f else 0) + est > self.total_cap or \
                (self.f is None and len(self.parts) >= self.max_parts):
            self.dropped.append(name)
            return False
        if self.f is None:
            self._open()
        before = self._size()
        g = self.f["streams"].create_group(name)
        for k, v in attrs.items():
            g.attrs[k] = v
        for dname, (arr, dattrs) in datasets.items():
            write_dataset(g, dname, arr, dattrs)
        self.max_stream = max(self.max_stream, self._size() - before)
        self.parts[-1][1].append(name)
        return True

    def _close(self):
        if self.f is not None:
            path, names = self.parts[-1]
            self.f.attrs["streams_in_file"] = len(names)
            self.f.close()
            self.f = None
            self.closed_bytes += os.path.getsize(path)

    def finish(self):
        """Closes; a single part is renamed to base.h5. Returns [(path, stream names, bytes)]."""
        self._close()
        if len(self.parts) == 1:
            final = os.path.join(self.out_dir, f"{self.base}.h5")
            os.replace(self.parts[0][0], final)
            self.parts[0][0] = final
        return [(p, names, os.path.getsize(p)) for p, names in self.parts]


@torch.no_grad()
def capture_sequences(model, seqs, device, amp):
    """One forward over the dump sequences; returns per layer the captured q, k, v, y on CPU in
    the compute dtype (the exact tensors attention used)."""
    x = torch.stack([torch.from_numpy(np.frombuffer(s, dtype=np.uint8).copy()) for s, _, _ in seqs]).long().to(device)
    model.eval()
    for blk in model.blocks:
        blk.attn.capture = {}
    with amp():
        model(x)
    caps = []
    for blk in model.blocks:
        c = blk.attn.capture
        caps.append({k: v.to("cpu") for k, v in c.items()})
        blk.attn.capture = None
    return caps


def build_stream(caps, seq, layer, kvh, positions, n_keys, cfg, dtype):
    """Datasets of one stream: keys/values [n_keys, D] of KV head kvh, queries of its query heads
    at the given positions, rows ordered by (position, query head)."""
    g = cfg["n_head"] // cfg["n_kv_head"]
    c = caps[layer]
    heads = [kvh * g + j for j in range(g)]
    k = c["k"][seq, kvh, :n_keys]
    v = c["v"][seq, kvh, :n_keys]
    rows_q, rows_y, qh, pos = [], [], [], []
    for p in positions:
        for h in heads:
            rows_q.append(c["q"][seq, h, p])
            rows_y.append(c["y"][seq, h, p])
            qh.append(h)
            pos.append(p)
    q = torch.stack(rows_q)
    y = torch.stack(rows_y)
    pos = np.asarray(pos, dtype=np.int64)
    datasets = {
        "keys": to_storage(k, dtype),
        "values": to_storage(v, dtype),
        "queries": to_storage(q, dtype),
        "query_length": (pos + 1, {}),
        "query_head": (np.asarray(qh, dtype=np.int32), {}),
        "position": (pos, {}),
    }
    return datasets, y.double().numpy()


def check_stream(datasets, y, scale):
    """Exact softmax attention (float64) over the stored keys/values vs the model's own attention
    output y for every stored query. Returns (max abs error, max error relative to max|y| of the row)."""
    K = from_storage(datasets["keys"][0])
    V = from_storage(datasets["values"][0])
    Q = from_storage(datasets["queries"][0])
    L = datasets["query_length"][0]
    worst_abs = worst_rel = 0.0
    for j in range(Q.shape[0]):
        s = scale * (K[: L[j]] @ Q[j])
        w = np.exp(s - s.max())
        o = (w / w.sum()) @ V[: L[j]]
        err = float(np.abs(o - y[j]).max())
        worst_abs = max(worst_abs, err)
        worst_rel = max(worst_rel, err / max(1e-30, float(np.abs(y[j]).max())))
    return worst_abs, worst_rel


def dump_traces(model, held_docs_bytes, held_docs, args, device, amp, compute_dtype, info, cfg):
    if h5py is None:
        log("dump: h5py is not importable: no trace files written")
        return dict(error="h5py missing")
    t0 = time.time()
    L_max = max(args.dump_lengths)
    seqs = pick_dump_sequences(held_docs_bytes, held_docs, L_max, args.dump_seqs)
    if not seqs:
        log(f"dump: no held-out sequence of {L_max} bytes: no traces")
        return dict(error="no sequence")
    dtype = args.dump_dtype
    if dtype == "auto":
        dtype = "bfloat16" if compute_dtype == torch.bfloat16 else "float32"
    caps = capture_sequences(model, seqs, device, amp)
    scale = 1.0 / math.sqrt(cfg["head_dim"])
    positions_all = [p for L in args.dump_lengths for p in range(L - args.decode_steps, L)]
    seq_info = [dict(name=f"seq{i}", kind=kind, bytes=len(s), documents=docs,
                     text_head=s[:200].decode("utf-8", "replace")) for i, (s, docs, kind) in enumerate(seqs)]
    base_source = dict(info, dump=dict(
        sequences=seq_info, dump_lengths=args.dump_lengths, decode_steps=args.decode_steps,
        storage_dtype=dtype, compute_dtype=str(compute_dtype).replace("torch.", ""),
        queries="rows ordered by (position, query head); query_head = global query head index h, "
                "KV head = h // (n_head / n_kv_head); query_length = position + 1",
        keys_values="after RoPE for keys; exactly the tensors fed to the attention kernel"))
    created_by = f"experiments/lm/train_and_dump.py (vashista), torch {torch.__version__}"
    checks = []
    results = {}
    file_cap = int(args.file_cap_mb * 1e6)

    def write_set(base, layers, n_seq, n_keys, lengths, cap, total_cap, max_parts, what):
        src = dict(base_source, file=dict(content=what, layers=layers, kv_heads=list(range(cfg["n_kv_head"])),
                                          sequences=n_seq, keys_per_stream=n_keys, query_lengths=lengths))
        w = TraceWriter(args.out, base, dict(format="vashista-trace", version=np.int64(1),
                                             source=json.dumps(src), created_by=created_by),
                        min(cap, file_cap), total_cap, max_parts)
        positions = [p for L in lengths for p in range(L - args.decode_steps, L)]
        raw = n_keys * cfg["head_dim"] * 2 * (2 if dtype == "bfloat16" else 4)
        for si in range(n_seq):
            for layer in layers:
                for kvh in range(cfg["n_kv_head"]):
                    name = f"seq{si}_L{layer:02d}_H{kvh}"
                    ds, y = build_stream(caps, si, layer, kvh, positions, n_keys, cfg, dtype)
                    attrs = dict(layer=np.int64(layer), kv_head=np.int64(kvh), scale=np.float64(scale),
                                 sequence=np.int64(si))
                    if w.add(name, attrs, ds, raw):
                        checks.append(check_stream(ds, y, scale))
        parts = w.finish()
        for p, names, size in parts:
            log(f"dump: {os.path.basename(p)}: {len(names)} streams, {size / 1e6:.2f} MB")
        if w.dropped:
            log(f"dump: {base}: {len(w.dropped)} streams left out by the size caps: {w.dropped}")
        return dict(files=[dict(path=os.path.basename(p), streams=names, bytes=size) for p, names, size in parts],
                    dropped=w.dropped)

    L = cfg["n_layer"]
    small_layers = sorted({0, L // 2, L - 1})
    small_len = min(args.small_max_len, L_max)
    small_lengths = [x for x in args.dump_lengths if x <= small_len] or [small_len]
    results["small"] = write_set("lm_traces_small", small_layers, 1, max(small_lengths), small_lengths,
                                 int(args.small_cap_mb * 1e6), int(args.small_cap_mb * 1e6), 1,
                                 "small: sequence 0, layers {0, mid, last}, all KV heads, keys up to %d"
                                 % max(small_lengths))
    used = sum(f["bytes"] for f in results["small"]["files"])
    max_parts = max(1, args.max_files - 2 - len(results["small"]["files"]))  # log + summary
    results["full"] = write_set("lm_traces_full", list(range(L)), len(seqs), L_max, args.dump_lengths,
                                file_cap, int(args.total_cap_mb * 1e6) - used, max_parts,
                                "full: all layers, all KV heads, %d sequences, keys up to %d" % (len(seqs), L_max))
    worst_abs = max(c[0] for c in checks) if checks else None
    worst_rel = max(c[1] for c in checks) if checks else None
    log(f"dump: attention recomputed in float64 from the stored K/V/Q vs the model's attention output: "
        f"max abs err {worst_abs:.3e}, max rel err {worst_rel:.3e} ({len(checks)} streams, compute {compute_dtype})")
    results.update(storage_dtype=dtype, sequences=seq_info, positions=positions_all,
                   check_max_abs_err=worst_abs, check_max_rel_err=worst_rel, dump_seconds=round(time.time() - t0, 2))
    return results


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    deadline = T_START + args.deadline
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    dev_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    log(f"python {sys.version.split()[0]}, torch {torch.__version__}, numpy {np.__version__}, "
        f"h5py {getattr(h5py, '__version__', 'MISSING')}, device {dev_name}, SDPA {HAS_SDPA}")
    if h5py is None:
        log("WARNING: h5py is not importable; training and eval run, but no trace files will be written")
    use_bf16 = args.autocast == "bf16" or (args.autocast == "auto" and device.type == "cuda")
    compute_dtype = torch.bfloat16 if use_bf16 else torch.float32
    if use_bf16:
        amp = lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)  # noqa: E731
    else:
        amp = contextlib.nullcontext
    cfg = dict(n_layer=args.n_layer, d_model=args.d_model, n_head=args.n_head, n_kv_head=args.n_kv_head,
               head_dim=args.head_dim, mlp_mult=args.mlp_mult, rope_base=args.rope_base, vocab=VOCAB,
               norm="layernorm (no bias), pre-LN", mlp="GELU(tanh)", positional="RoPE (rotate-half)",
               attention="causal softmax, scale 1/sqrt(head_dim), GQA")
    if args.selftest:
        selftest(dict(cfg, n_layer=2, d_model=64, n_head=4, n_kv_head=2, head_dim=16))

    # 1. data
    train_bytes, held_bytes, held_docs_bytes, held_docs, data_stats = load_corpus(
        args, min(deadline, time.time() + args.load_seconds))
    train_data = torch.from_numpy(np.frombuffer(train_bytes, dtype=np.uint8).copy()).to(device)

    # xz on exactly the bytes the model is evaluated on, in a thread while the GPU trains
    T = args.seq_len
    n_win = (min(len(held_bytes), args.eval_bytes) - 1) // T
    xz_res = {}

    def run_xz(data):
        t = time.time()
        xz_res["bpb"], xz_res["bytes"] = xz_bits_per_byte(data)
        xz_res["n"] = len(data)
        xz_res["seconds"] = time.time() - t

    xz_thread = threading.Thread(target=run_xz, args=(held_bytes[: n_win * T + 1],), daemon=True)
    xz_thread.start()

    # 2. model
    max_len = max(args.seq_len, max(args.dump_lengths))
    model = ByteLM(cfg, max_len).to(device)
    log(f"model: {num_params(model) / 1e6:.2f} M parameters, config {json.dumps(cfg)}")

    # 3. training, cut so that eval + dump fit before the deadline
    train_seconds = min(args.train_seconds, deadline - time.time() - args.post_train_reserve)
    if train_seconds < args.train_seconds:
        log(f"train: budget cut to {train_seconds:.0f}s by the deadline")
    train_seconds = max(train_seconds, 5.0)
    tr = train(model, train_data, args, device, amp, train_seconds)
    del train_data
    if args.ckpt and not os.path.abspath(args.ckpt).startswith(os.path.abspath(args.out) + os.sep):
        try:
            torch.save(dict(cfg=cfg, state=model.state_dict()), args.ckpt)
            log(f"checkpoint: {args.ckpt}")
        except Exception as exc:  # never fatal
            log(f"checkpoint: not saved ({exc})")

    # 4. evaluation
    eval_secs = max(5.0, min(args.eval_seconds, deadline - time.time() - 30.0))
    failures = []
    try:
        ev = evaluate(model, held_bytes, args, device, amp, eval_secs)
    except Exception as exc:  # keep going: the traces are still worth writing
        log(f"eval: FAILED ({type(exc).__name__}: {exc})")
        failures.append(f"eval: {type(exc).__name__}: {exc}")
        ev = dict(heldout_bits_per_byte=float("nan"), eval_bytes=xz_res.get("n", 0), error=str(exc))
    xz_thread.join()
    if ev["eval_bytes"] != xz_res["n"] and ev["eval_bytes"] > 0:  # eval stopped early: same, shorter prefix
        run_xz(held_bytes[: ev["eval_bytes"]])
    ev["xz_bits_per_byte"] = xz_res["bpb"]
    ev["xz_compressed_bytes"] = xz_res["bytes"]
    ev["xz_seconds"] = round(xz_res["seconds"], 2)
    ev["model_beats_xz"] = ev["heldout_bits_per_byte"] < ev["xz_bits_per_byte"]
    log(f"eval: model {ev['heldout_bits_per_byte']:.4f} bits/byte vs xz -9e {ev['xz_bits_per_byte']:.4f} "
        f"bits/byte on the same {ev['eval_bytes']} held-out bytes -> model "
        f"{'BEATS' if ev['model_beats_xz'] else 'does NOT beat'} xz")

    info = dict(model=dict(cfg, parameters=num_params(model), seq_len=args.seq_len),
                data=dict(description="*.py source files of the installed Python (stdlib + site-packages), "
                                      "byte-level tokens (vocab 256), files joined with NUL", **{
                    k: v for k, v in data_stats.items() if k != "roots"}, roots=data_stats["roots"]),
                training=dict(steps=tr["steps"], tokens_seen=tr["tokens_seen"], train_seconds=tr["train_seconds"],
                              batch_tokens=args.batch * args.seq_len, lr=args.lr, warmup_steps=args.warmup_steps,
                              schedule="linear warmup, cosine decay over the time budget to %.2f x lr" % args.min_lr_ratio,
                              optimizer=tr["optimizer"], weight_decay=args.weight_decay,
                              autocast=str(compute_dtype).replace("torch.", "")),
                heldout_bits_per_byte=round(ev["heldout_bits_per_byte"], 5),
                xz_bits_per_byte=round(ev["xz_bits_per_byte"], 5), eval_bytes=ev["eval_bytes"],
                device=dev_name, torch=torch.__version__)

    summary = dict(info, train=tr, eval=ev, args=vars(args))
    write_summary(args.out, summary)

    # 5. traces
    try:
        dump = dump_traces(model, held_docs_bytes, held_docs, args, device, amp, compute_dtype, info, cfg)
    except Exception as exc:
        import traceback
        traceback.print_exc()
        log(f"dump: FAILED ({type(exc).__name__}: {exc})")
        failures.append(f"dump: {type(exc).__name__}: {exc}")
        dump = dict(error=str(exc))
    if tr.get("failure"):
        failures.append("train: " + tr["failure"])
    summary["dump"] = dump
    summary["failures"] = failures
    summary["wall_seconds"] = round(time.time() - T_START, 1)
    write_summary(args.out, summary)
    log(f"done in {summary['wall_seconds']}s; outputs in {os.path.abspath(args.out)}: "
        + ", ".join(sorted(os.listdir(args.out))))
    if failures:
        log("FAILURES: " + "; ".join(failures))
    return 1 if failures else 0


def write_summary(out, summary):
    path = os.path.join(out, "summary.json")
    with open(path + ".tmp", "w") as f:
        json.dump(summary, f, indent=1, default=str)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    sys.exit(main())
