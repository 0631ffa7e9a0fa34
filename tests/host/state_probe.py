"""Run in a subprocess by test_robustness.py: feed one plugin a corrupt state and report.

    python state_probe.py BUNDLE_PATH KIND SEED

KIND is `random` (random bytes), `truncated` (a real state cut short), `empty`, or `garbage`
(a real state with bytes flipped). Prints one JSON line: whether the host accepted the state,
the parameter texts before and after, and whether the output afterwards is finite. A crash
(segfault, abort, panic across FFI) shows up as a non-zero exit status in the parent test.
"""

import json
import sys

import numpy as np
import pedalboard


def main():
    path, kind, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(seed)
    plugin = pedalboard.load_plugin(path)
    defaults = {p.name: p.string_value for p in plugin.parameters.values()}
    good = plugin.raw_state
    if kind == "random":
        blob = rng.integers(0, 256, int(rng.integers(1, 4096)), dtype=np.uint8).tobytes()
    elif kind == "truncated":
        blob = good[: int(rng.integers(1, max(2, len(good) - 1)))]
    elif kind == "empty":
        blob = b""
    elif kind == "garbage":
        arr = bytearray(good)
        for _ in range(max(1, len(arr) // 20)):
            arr[int(rng.integers(0, len(arr)))] = int(rng.integers(0, 256))
        blob = bytes(arr)
    else:
        raise SystemExit(f"unknown kind {kind}")
    accepted = True
    try:
        plugin.raw_state = blob
    except Exception as e:  # the host may refuse; that is fine, crashing is not
        accepted = f"refused: {e}"
    after = {p.name: p.string_value for p in plugin.parameters.values()}
    sr = 48_000
    if plugin.is_instrument:
        y = plugin([([0x90, 60, 100], 0.0)], duration=0.3, sample_rate=sr, num_channels=2)
    else:
        x = (np.random.default_rng(1).standard_normal((2, sr // 4)) * 0.1).astype(np.float32)
        y = plugin.process(x, sr, buffer_size=512, reset=True)
    print(
        json.dumps(
            {
                "accepted": accepted,
                "defaults": defaults,
                "after": after,
                "finite": bool(np.all(np.isfinite(y))),
                "peak": float(np.max(np.abs(y))),
            }
        )
    )


if __name__ == "__main__":
    main()
