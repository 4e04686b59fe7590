"""What a pod's memory cgroup would be charged for a set of processes, read from /proc (Linux).

The cgroup counts each page once, whoever maps it. So: each process's anonymous pages (the workers are
spawned, not forked, so they share none), plus the pages of mapped files (libraries, metrics files), once
per file. The proportional set size is not used: it splits a shared page among every process mapping it,
those outside the pod too (other Python processes on the machine share the interpreter and the libraries),
so it undercounts by a varying amount.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def anonymous(pid: int) -> int:
    """The process's resident anonymous memory in bytes; 0 once it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    line = next(line for line in text.splitlines() if line.startswith("Anonymous:"))
    return int(line.split()[1]) * 1024


def mapped_files(pids: Iterable[int]) -> int:
    """Resident bytes of mapped files, each file counted once (the most any of the processes has of it)."""
    most: dict[str, int] = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps").read_text()
        except OSError:
            continue
        mine: dict[str, int] = {}
        path = None
        for line in text.splitlines():
            first = line.split(None, 1)[0]
            if not first.endswith(":"):  # a mapping's header: address range, ..., path
                fields = line.split(None, 5)
                path = fields[5] if len(fields) == 6 and fields[5].startswith("/") else None
            elif path is not None and first == "Rss:":
                mine[path] = mine.get(path, 0) + int(line.split()[1]) * 1024
        for name, size in mine.items():
            most[name] = max(most.get(name, 0), size)
    return sum(most.values())


def socket_owner(server_port: int, client_port: int, pids: Iterable[int]) -> int | None:
    """Which of `pids` holds the server's end of the loopback connection from `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
        if local == server_port and remote == client_port:
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None
