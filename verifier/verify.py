#!/usr/bin/env python3
"""gpuhive's CUDA verifier (docs/verification.md), run by the agent in its container.

Protocol on stdin/stdout, one JSON object per line:
  in:  the challenge (GET from the heartbeat, with `device` per GPU: its index inside the container)
  out: {"commitment": [{index, gemmRoot, gemmSeconds, memoryRoot, memorySeconds}, ...]}
  in:  {"reveal": [{index, tiles, vectorSeed, chunks}, ...]}
  out: {"answer": [{index, tiles: [{tile, values, proof}], chunks: [{chunk, proof}]}, ...]}
Any failure: {"error": "..."} and exit 1.

Every number must equal what the platform computes (shared/registry/domain/verification/*.ts):
the Mueller hash over 32 bits done in int64, matrices of integers in [-4, 4] (exact in TF32 with
fp32 accumulation), tiles row-major little-endian int32, SHA-256 Merkle trees with 0x00 / 0x01
domain separation and the last node of an odd level promoted.

`python3 verify.py --self-test` checks the golden values of the TypeScript tests, on the CPU
with numpy when PyTorch is absent.
"""
import hashlib
import json
import sys
import time

try:
    import torch
except ImportError:  # the self-test runs without PyTorch
    torch = None
import numpy as np

MUELLER = 0x45D9F3B
MASK = 0xFFFFFFFF


def mix32(x):
    """The platform's mix32 on an int64 array (torch or numpy) of values in [0, 2^32)."""
    x = (((x >> 16) ^ x) * MUELLER) & MASK
    x = (((x >> 16) ^ x) * MUELLER) & MASK
    return (x >> 16) ^ x


def mix32_int(x):
    return int(mix32(np.array([x & MASK], dtype=np.int64))[0])


def seeds_of(seed):
    return mix32_int(seed ^ 0x0A0A0A0A), mix32_int(seed ^ 0x0B0B0B0B)


def matrix(xp, seed, rows, cols, device=None):
    """Entries (mix32(index ^ seed) mod 9) - 4, row-major, as float32 (exact small integers)."""
    out = []
    step = max(1, (1 << 24) // cols)  # rows per slab: bounds the int64 temporary
    for start in range(0, rows, step):
        count = min(step, rows - start)
        if xp is np:
            index = np.arange(start * cols, (start + count) * cols, dtype=np.int64)
            out.append(((mix32(index ^ seed) % 9) - 4).astype(np.float32).reshape(count, cols))
        else:
            index = torch.arange(start * cols, (start + count) * cols, dtype=torch.int64, device=device)
            out.append(((mix32(index ^ seed) % 9) - 4).to(torch.float32).reshape(count, cols))
    return np.concatenate(out) if xp is np else torch.cat(out)


def leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class Merkle:
    def __init__(self, leaves):
        self.levels = [leaves]
        level = leaves
        while len(level) > 1:
            nxt = [node(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
            self.levels.append(nxt)
            level = nxt

    @property
    def root(self):
        return self.levels[-1][0].hex()

    def proof(self, index):
        siblings = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                siblings.append(level[sibling].hex())
            index >>= 1
        return siblings


def tiles_of(product, n, tile):
    """(tiles, tile*tile) int32, tile t = row-block * (n/tile) + column-block, each row-major."""
    side = n // tile
    if isinstance(product, np.ndarray):
        return np.ascontiguousarray(product.reshape(side, tile, side, tile).transpose(0, 2, 1, 3).reshape(side * side, tile * tile))
    return product.reshape(side, tile, side, tile).permute(0, 2, 1, 3).reshape(side * side, tile * tile).contiguous()


def gemm(xp, spec, device):
    n, k, tile, seed = spec["n"], spec["k"], spec["tile"], spec["seed"]
    seed_a, seed_b = seeds_of(seed)
    a = matrix(xp, seed_a, n, k, device)
    b = matrix(xp, seed_b, k, n, device)
    if xp is np:
        started = time.perf_counter()
        c = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32)
        seconds = time.perf_counter() - started
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.cuda.synchronize(device)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        c = a @ b
        end.record()
        torch.cuda.synchronize(device)
        seconds = start.elapsed_time(end) / 1000
        c = c.to(torch.int32)
        del a, b
    tiles = tiles_of(c, n, tile)
    host = tiles if xp is np else tiles.cpu().numpy()
    host = host.astype("<i4", copy=False)
    tree = Merkle([leaf(row.tobytes()) for row in host])
    return tree, host, seconds


def memory(xp, spec, device):
    chunks, words, seed = spec["chunks"], spec["chunkWords"], spec["seed"]
    weights_np = (np.arange(words, dtype=np.int64) & 255) + 1
    per_batch = max(1, (1 << 26) // words)  # chunks generated at once: bounds the int64 temporary
    if xp is np:
        buffer = np.empty((chunks, words), dtype=np.int32)
        weights = weights_np
        word_index = np.arange(words, dtype=np.int64)
    else:
        buffer = torch.empty((chunks, words), dtype=torch.int32, device=device)  # all of it held at once
        weights = torch.from_numpy(weights_np).to(device)
        word_index = torch.arange(words, dtype=torch.int64, device=device)
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    for first in range(0, chunks, per_batch):
        count = min(per_batch, chunks - first)
        chunk_index = (np.arange(first, first + count, dtype=np.int64) if xp is np else torch.arange(first, first + count, dtype=torch.int64, device=device))
        keyed = mix32(chunk_index ^ seed)
        buffer[first:first + count] = (mix32(keyed[:, None] ^ word_index[None, :]) >> 8).astype(np.int32) if xp is np else (mix32(keyed[:, None] ^ word_index[None, :]) >> 8).to(torch.int32)
    checksums = []
    for first in range(0, chunks, per_batch):
        block = buffer[first:first + per_batch]
        sums = (block.astype(np.int64) * weights).sum(axis=1) if xp is np else (block.to(torch.int64) * weights).sum(dim=1)
        checksums.append(sums if xp is np else sums.cpu().numpy())
    if xp is not np:
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    del buffer
    all_sums = np.concatenate(checksums).astype("<u8")
    return Merkle([leaf(int(value).to_bytes(8, "little")) for value in all_sums]), seconds


def write(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def serve():
    challenge = json.loads(sys.stdin.readline())
    xp = np if torch is None or not torch.cuda.is_available() else torch
    if xp is np and not challenge.get("simulated"):
        raise RuntimeError("no CUDA device visible in the container (is the NVIDIA runtime configured?)")
    kept = {}
    commitment = []
    for gpu in challenge["gpus"]:
        device = None if xp is np else torch.device("cuda", gpu.get("device", 0))
        gemm_tree, tiles, gemm_seconds = gemm(xp, gpu["gemm"], device)
        if xp is not np:
            torch.cuda.empty_cache()
        memory_tree, memory_seconds = memory(xp, gpu["memory"], device)
        if xp is not np:
            torch.cuda.empty_cache()
        kept[gpu["index"]] = (gemm_tree, tiles, memory_tree)
        commitment.append({"index": gpu["index"], "gemmRoot": gemm_tree.root, "gemmSeconds": max(gemm_seconds, 1e-6), "memoryRoot": memory_tree.root, "memorySeconds": max(memory_seconds, 1e-6)})
    write({"commitment": commitment})
    reveal = json.loads(sys.stdin.readline())["reveal"]
    answer = []
    for asked in reveal:
        gemm_tree, tiles, memory_tree = kept[asked["index"]]
        answer.append({
            "index": asked["index"],
            "tiles": [{"tile": t, "values": [int(v) for v in tiles[t]], "proof": gemm_tree.proof(t)} for t in asked["tiles"]],
            "chunks": [{"chunk": c, "proof": memory_tree.proof(c)} for c in asked["chunks"]],
        })
    write({"answer": answer})


def self_test():
    """The golden values of test/unit/registry/domain/verification/*.test.ts."""
    assert [mix32_int(v) for v in (0, 1, 12345, 0xFFFFFFFF)] == [0, 824515495, 1747545881, 539527247]
    assert seeds_of(42) == (1288314406, 4046360423)
    entries = ((mix32(np.array([0, 1, 2, 3, 1000000], dtype=np.int64) ^ 42) % 9) - 4).tolist()
    assert entries == [-3, -3, 4, -4, 4], entries
    word = lambda seed, chunk, w: mix32_int(mix32_int(chunk ^ seed) ^ w) >> 8
    assert [word(7, 0, 0), word(7, 3, 1000)] == [16196808, 14897673]
    assert sum(word(7, 3, w) * ((w & 255) + 1) for w in range(1024)) == 1082285751940
    print("self-test passed: the hash, the matrices and the memory pattern match the platform's")


if __name__ == "__main__":
    try:
        if "--self-test" in sys.argv:
            self_test()
        else:
            serve()
    except Exception as error:  # the agent reads the reason
        write({"error": f"{type(error).__name__}: {error}"})
        sys.exit(1)
