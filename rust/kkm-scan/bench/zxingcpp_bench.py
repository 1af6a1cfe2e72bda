#!/usr/bin/python3
"""Decode the benchmark's image set with zxing-cpp (Debian python3-zxing-cpp).

Usage: zxingcpp_bench.py DIR [FORMAT]
DIR holds manifest.tsv (file name, expected text as hex, category) and one .pgm per frame (read
with numpy: no PIL needed). FORMAT is a zxing-cpp format name (default DataMatrix) or
"all". Prints per-file lines to DIR/zxingcpp.tsv and one summary line on stdout:
  SUMMARY decoded=N total=M median_ms=X mean_ms=Y
Only decode time is measured (images are loaded first), like the Rust side.
"""
import statistics
import sys
import time

try:
    import numpy as np
    import zxingcpp
except ImportError as e:  # pragma: no cover
    print(f"SKIP zxing-cpp python binding not installed ({e})")
    sys.exit(0)


def norm(s: str) -> str:
    for p in ("]d2", "]C1", "]Q3", "]Q1", "]E0", "]d1"):
        if s.startswith(p):
            s = s[len(p):]
    return s.replace("\x1d", "").replace("(", "").replace(")", "")


def load_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(maxsplit=4)
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][: w * h], dtype=np.uint8).reshape(h, w)


def main():
    d = sys.argv[1]
    fmt = sys.argv[2] if len(sys.argv) > 2 else "DataMatrix"
    formats = None if fmt == "all" else zxingcpp.barcode_formats_from_str(fmt)
    rows = [l.rstrip("\n").split("\t") for l in open(f"{d}/manifest.tsv") if l.strip()]
    imgs = [(r[0], bytes.fromhex(r[1]).decode("latin-1"), load_pgm(f"{d}/{r[0]}.pgm")) for r in rows]
    # Warm-up (page in the library, caches).
    for _, _, img in imgs[:3]:
        zxingcpp.read_barcodes(img, formats=formats)
    times, ok = [], 0
    with open(f"{d}/zxingcpp.tsv", "w") as out:
        for name, exp, img in imgs:
            t0 = time.perf_counter()
            res = zxingcpp.read_barcodes(img, formats=formats)
            dt = (time.perf_counter() - t0) * 1000.0
            times.append(dt)
            hit = exp != "" and any(norm(r.text) == norm(exp) for r in res)
            ok += hit
            out.write(f"{name}\t{int(hit)}\t{dt:.2f}\n")
    print(f"SUMMARY decoded={ok} total={len(imgs)} median_ms={statistics.median(times):.2f} mean_ms={statistics.mean(times):.2f}")


main()
