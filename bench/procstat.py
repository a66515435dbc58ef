"""What /proc says about processes and the machine: CPU seconds, peak memory, children,
and the local Postgres server's CPU with its exited backends."""

from __future__ import annotations

import os
import resource
from pathlib import Path

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _name(stat: str) -> str:
    """The command name in a /proc/<pid>/stat line (between the first "(" and the last ")")."""
    return stat.split("(", 1)[1].rsplit(")", 1)[0]


def vm_hwm(pid: int) -> float | None:
    """Peak resident set (VmHWM) of a process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    """The child processes of `pid`: the kernel's list, else every process whose parent it is
    (kernels without /proc/<pid>/task/<pid>/children)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def process_cpu_seconds(pid: int, name: str | None = None) -> float:
    """utime + stime of one process from /proc/<pid>/stat (0 if it is gone, or not `name`)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    if name and _name(stat) != name:
        return 0.0  # e.g. a pid from another PID namespace (a server in a container)
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def busy_cpu() -> float:
    """Busy CPU seconds of the whole machine so far, summed over cores (/proc/stat)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _CLK_TCK


def children_cpu_seconds() -> float:
    """CPU of this script's finished children: the load generator runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postgres_cpu_seconds() -> float:
    """CPU seconds so far of the Postgres server on this machine, backends that have exited
    included: the postmaster's own time, its reaped children's (cutime and cstime: a backend
    of a connection that was closed), and the live children's. 0 without a local Postgres."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if _name(stat) != "postgres":
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime
        if process_name(int(fields[1])) != "postgres":  # the postmaster: add its reaped backends
            total += (int(fields[13]) + int(fields[14])) / _CLK_TCK  # cutime, cstime
    return total


def process_name(pid: int) -> str:
    try:
        return _name(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, IndexError):
        return ""
