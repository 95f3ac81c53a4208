"""Data-parallel training of a tiny model with torch.distributed, set up from wattpack's
environment only: init_method="env://" reads MASTER_ADDR, MASTER_PORT, WORLD_SIZE and
RANK, which every node's part of a wattpack job gets (one process per node; docs/jobs.md).

Each rank computes gradients on its own batch; an all-reduce averages them, so every rank
takes the same SGD step and prints the same loss. Rank 0 saves a checkpoint after each
step to WATTPACK_CHECKPOINT_DIR (site storage, kept across attempts and nodes); an attempt
started with WATTPACK_RESUME=1 (after a preemption or a drain) continues from it.

    wattpack submit examples/ddp-gloo.yaml --workdir .     # from the repository, on a dev site

STEPS (default 20) steps in all; STEP_SECONDS (default 0) pauses after each step.
"""

import os
import signal
import sys
import time

import torch
import torch.distributed as dist

STEPS = int(os.environ.get("STEPS", "20"))
STEP_SECONDS = float(os.environ.get("STEP_SECONDS", "0"))
CHECKPOINT = os.path.join(os.environ["WATTPACK_CHECKPOINT_DIR"], "ddp_train.pt")

stopping = False


def stop(signum, frame):
    # Preemption: the last step is already saved; end at the next step boundary.
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)

dist.init_process_group("gloo", init_method="env://")
rank, world = dist.get_rank(), dist.get_world_size()

# A check that the ranks really reduce together: the sum of the ranks.
ranks = torch.tensor([float(rank)])
dist.all_reduce(ranks)
print(f"rank {rank}/{world}: all-reduce of ranks = {ranks.item():.0f}", flush=True)

torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
start = 0
if os.environ.get("WATTPACK_RESUME") == "1" and os.path.exists(CHECKPOINT):
    saved = torch.load(CHECKPOINT)
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])
    start = saved["step"]
    print(f"rank {rank}: resumed from step {start}", flush=True)

# Each rank's own data: y = x . [1, -2, 3, 0.5] + 1.
data = torch.Generator().manual_seed(1000 + rank)
true_w = torch.tensor([[1.0], [-2.0], [3.0], [0.5]])

for step in range(start + 1, STEPS + 1):
    x = torch.randn(32, 4, generator=data)
    y = x @ true_w + 1.0
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world
    optimizer.step()
    mean_loss = loss.detach().clone()
    dist.all_reduce(mean_loss)
    print(f"rank {rank} step {step} loss {mean_loss.item() / world:.6f}", flush=True)
    if rank == 0:
        tmp = CHECKPOINT + ".tmp"
        torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp)
        os.replace(tmp, CHECKPOINT)
    # Every rank decides to stop at the same step: a rank that left alone would hang the others.
    flag = torch.tensor([1.0 if stopping else 0.0])
    dist.all_reduce(flag)
    if flag.item() > 0:
        print(f"rank {rank}: stopping at step {step}, checkpoint saved", flush=True)
        dist.destroy_process_group()
        sys.exit(0)
    time.sleep(STEP_SECONDS)

weights = ",".join(f"{v:.4f}" for v in model.weight.detach().flatten().tolist())
print(f"rank {rank} done: loss {mean_loss.item() / world:.6f} weights {weights}", flush=True)
dist.destroy_process_group()
