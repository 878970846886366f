"""Photos for completions and tips: small JPEGs drawn from a seed (a street scene in blocks of
colour), real enough for the media endpoint's content checks and the console's thumbnails."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 320, 240


def photo(rng: random.Random) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), _colour(rng, 150, 230))  # sky
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(HEIGHT // 3, HEIGHT // 2)
    draw.rectangle((0, horizon, WIDTH, HEIGHT), fill=_colour(rng, 60, 120))  # street
    x = 0
    while x < WIDTH:  # buildings along the street
        width = rng.randint(30, 80)
        top = rng.randint(20, horizon - 10)
        draw.rectangle((x, top, x + width, horizon), fill=_colour(rng, 90, 200))
        for wx in range(x + 6, x + width - 8, 14):
            for wy in range(top + 6, horizon - 10, 18):
                draw.rectangle((wx, wy, wx + 6, wy + 8), fill=_colour(rng, 200, 255))
        x += width + rng.randint(0, 10)
    for _ in range(rng.randint(1, 3)):  # something to report
        cx, cy = rng.randint(40, WIDTH - 40), rng.randint(horizon + 10, HEIGHT - 20)
        draw.ellipse((cx - 18, cy - 12, cx + 18, cy + 12), fill=_colour(rng, 0, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def _colour(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def multipart(data: bytes, *, filename: str = "photo.jpg") -> tuple[bytes, str]:
    """The body and content type of ``POST /media`` with ``data`` as its ``file`` field."""
    boundary = f"----shouwang-sim-{random.getrandbits(64):016x}"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            f"\r\nContent-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"
