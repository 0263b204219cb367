"""CPU time of processes (the workers, the broker, the bench), read from /proc."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds", "describe_cpu"]

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def describe_cpu(cpu: dict[str, float]) -> str:
    """`cpu`: name -> CPU-seconds per wall second."""
    parts = [f"{name} {share:.2f}" for name, share in cpu.items()]
    return f"CPU cores busy: {', '.join(parts)}; sum {sum(cpu.values()):.2f} of {os.cpu_count()}"
