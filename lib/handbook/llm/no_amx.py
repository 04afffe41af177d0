"""Keep llama.cpp off Intel AMX, whose kernels crash this project's build on some Xeon hosts.

On a Xeon with AMX (Sapphire Rapids and later), ggml's CPU backend moves the
weights into an "AMX" buffer and multiplies them with tile instructions. In
the llama.cpp build that `llama-cpp-python` 0.3.36 compiles here, the first
batched prompt then dies with a general protection fault on `ldtilecfg`
(seen in `dmesg`; one-token prompts work, so it hits prefill, not decode):
the 64-byte tile configuration is passed with half of it uninitialised. It
does not happen on laptops, which have no AMX.

ggml uses AMX only after the kernel grants it, through
`arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`. `refuse_amx()`
installs a seccomp filter on the server process that answers exactly that
request with EPERM, so ggml prints "AMX is not ready to be used!" and keeps
its ordinary AVX-512/AVX2 kernels (and its weight repacking). A side benefit:
the server then computes the same floating-point sums on a Xeon as on a
laptop, so greedy replies match the book's on both.

    refuse_amx()  -> True     # filter installed (x86-64 Linux)
    refuse_amx()  -> False    # another OS or CPU, or seccomp unavailable: nothing to do

Set `HANDBOOK_ALLOW_AMX=1` to skip it (for a fixed llama.cpp build).
Deliberately left out: any other syscall, and processes other than the server.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SYS_ARCH_PRCTL, ARCH_REQ_XCOMP_PERM, AUDIT_ARCH_X86_64 = 158, 0x1023, 0xC000003E
LOAD_WORD, JUMP_IF_EQUAL, RETURN = 0x20, 0x15, 0x06  # classic BPF opcodes
ALLOW, ERRNO_EPERM = 0x7FFF0000, 0x00050000 | 1


def _filter() -> bytes:
    """The BPF program: EPERM for arch_prctl(ARCH_REQ_XCOMP_PERM, ...), allow everything else."""
    def op(code: int, k: int, yes: int = 0, no: int = 0) -> bytes:
        return struct.pack("HBBI", code, yes, no, k)

    return b"".join([
        op(LOAD_WORD, 4), op(JUMP_IF_EQUAL, AUDIT_ARCH_X86_64, 1, 0), op(RETURN, ALLOW),  # seccomp_data.arch
        op(LOAD_WORD, 0), op(JUMP_IF_EQUAL, SYS_ARCH_PRCTL, 0, 3),                       # .nr
        op(LOAD_WORD, 16), op(JUMP_IF_EQUAL, ARCH_REQ_XCOMP_PERM, 0, 1),                  # .args[0]
        op(RETURN, ERRNO_EPERM),
        op(RETURN, ALLOW),
    ])


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def has_amx() -> bool:
    """Does this CPU advertise AMX tiles (Linux /proc/cpuinfo)? (chapter 5, serving on a Xeon)"""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            return " amx_tile" in f.read()
    except OSError:
        return False


def refuse_amx() -> bool:
    """Stop ggml from enabling AMX in this process and its threads; True when the filter is in place (chapter 5)."""
    if os.environ.get("HANDBOOK_ALLOW_AMX") == "1":
        return False
    if platform.system() != "Linux" or platform.machine() != "x86_64" or not has_amx():
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    program = ctypes.create_string_buffer(_filter())
    fprog = _Program(len(program.raw) // 8, ctypes.addressof(program))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0
