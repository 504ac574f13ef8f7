"""Photo uploads re-encoded per second, one process, against the bare decode + encode of the same photo.

The photo is what a cheap phone sends: 4032×3024 JPEG (12 MP, quality 92, 4:2:0) taken with the
phone upright (EXIF orientation 6) and with GPS, make and model tags. Ours is the upload pipeline
``agrimarket.media.images.process_photo`` (header check, reduced JPEG decode, EXIF transpose, sRGB,
LANCZOS resize to 1600 px + 400 px thumbnail, metadata-free WebP). The floor is only the work every
pipeline must do for the same output: the same reduced decode, then the same two sizes by a box filter
(the cheapest that still smooths, so WebP gets like pixels) and encoded with the same WebP settings. Runs interleave; medians are compared.

``python -m bench.photos [runs]``.
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time

from PIL import Image

from agrimarket.media import images
from bench.report import Figure, Result, verdict

RUNS = 10
# Our extra steps (EXIF transpose, sRGB, LANCZOS) may at most double the unavoidable decode + encode.
PHOTO_GOAL = 0.50  # of the floor's photos/s
WIDTH, HEIGHT = 4032, 3024


def phone_photo(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A synthetic 12 MP phone JPEG: smooth colour fields plus sensor grain, so it compresses like one."""
    rng = random.Random(12)  # noqa: S311 - synthetic pixels
    small = Image.frombytes("RGB", (64, 48), rng.randbytes(64 * 48 * 3))
    scene = small.resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    photo = Image.blend(scene, grain, 0.12)
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # Make
    exif[0x0110] = "Galaxy A15"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show upright
    exif[0x8825] = {1: "N", 2: (20.0, 51.0, 12.5), 3: "E", 4: (106.0, 41.0, 3.2)}  # GPS: the farm
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, subsampling="4:2:0", exif=exif)
    return out.getvalue()


def floor(data: bytes) -> tuple[bytes, bytes]:
    """Decode at the same reduced scale and encode the same two sizes: no transpose, colour or LANCZOS."""
    im = Image.open(io.BytesIO(data))
    scale = images.MAIN_MAX_SIDE / max(im.size)
    im.draft("RGB", (int(im.width * scale * 2), int(im.height * scale * 2)))
    im.load()
    main = im.resize(
        (round(im.width * scale), round(im.height * scale)) if scale < 1 else im.size, Image.Resampling.BOX
    )
    thumb_scale = images.THUMB_MAX_SIDE / max(main.size)
    thumb = main.resize(
        (round(main.width * thumb_scale), round(main.height * thumb_scale)), Image.Resampling.BOX
    )
    return images._webp(main), images._webp(thumb)  # the same WebP settings as ours


def run(runs: int = RUNS) -> Result:
    data = phone_photo()
    ours_out = images.process_photo(data)
    floor_out = floor(data)
    assert (ours_out.width, ours_out.height) == (1200, 1600), "the EXIF orientation was not applied"
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for i, fn in enumerate((images.process_photo, floor)):
            started = time.perf_counter()
            fn(data)
            times[i].append(time.perf_counter() - started)
    ours_s, floor_s = statistics.median(times[0]), statistics.median(times[1])
    return Result(
        figures=[
            Figure(
                "photo uploads processed per second (1 process)",
                f"{1 / ours_s:.1f}/s ({ours_s * 1000:.0f} ms each)",
                f"{1 / floor_s:.1f}/s (decode + encode only)",
                f"{floor_s / ours_s:.0%}",
                verdict(f"≥ {PHOTO_GOAL:.0%} of floor", floor_s / ours_s >= PHOTO_GOAL),
            )
        ],
        details=[
            ("input:", f"{WIDTH}×{HEIGHT} JPEG, {len(data) / 1e6:.1f} MB, EXIF orientation 6 + GPS"),
            (
                "output:",
                f"{ours_out.width}×{ours_out.height} WebP {len(ours_out.image) / 1e3:.0f} kB "
                f"+ thumbnail {len(ours_out.thumbnail) / 1e3:.0f} kB "
                f"(floor: {len(floor_out[0]) / 1e3:.0f} + {len(floor_out[1]) / 1e3:.0f} kB)",
            ),
        ],
        setup=f"{runs} runs each of ours and the floor, interleaved, medians",
    )


if __name__ == "__main__":
    from bench.report import text_table

    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
    print(text_table(result.figures))
    for key, value in result.details:
        print(key, value)
