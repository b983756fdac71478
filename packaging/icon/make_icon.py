"""Draws editors/vscode/images/icon.png, the extension's Marketplace icon (128x128): three
migrations, the last one out of order. Shapes are sampled 4x4 per pixel for smooth edges.

    python packaging/icon/make_icon.py editors/vscode/images/icon.png
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable

SIZE = 128
SAMPLES = 4
BACKGROUND = (0x12, 0x12, 0x12)
LIME = (0xC5, 0xF7, 0x4F)
AMBER = (0xF7, 0xB4, 0x4F)

Shape = Callable[[float, float], bool]


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    return inside


def circle(cx: float, cy: float, r: float) -> Shape:
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        s = (side(a, b, x, y), side(b, c, x, y), side(c, a, x, y))
        return all(v >= 0 for v in s) or all(v <= 0 for v in s)

    return inside


LAYERS: list[tuple[Shape, tuple[int, int, int]]] = [
    (rounded_rect(0, 0, 128, 128, 24), BACKGROUND),
    (rounded_rect(22, 28, 84, 42, 7), LIME),
    (rounded_rect(22, 57, 84, 71, 7), LIME),
    (rounded_rect(36, 86, 98, 100, 7), AMBER),
    (circle(102, 35, 7), LIME),
    (circle(102, 64, 7), LIME),
    (triangle((16, 86), (16, 100), (29, 93)), AMBER),
]


def pixel(px: int, py: int) -> tuple[int, int, int, int]:
    r = g = b = a = 0.0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x, y = px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES
            colour = None
            for inside, fill in LAYERS:
                if inside(x, y):
                    colour = fill
            if colour is not None:
                r, g, b, a = r + colour[0], g + colour[1], b + colour[2], a + 1
    n = SAMPLES * SAMPLES
    if a == 0:
        return (0, 0, 0, 0)
    return (round(r / a), round(g / a), round(b / a), round(255 * a / n))


def png(rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    rows = [bytes(v for px in range(SIZE) for v in pixel(px, py)) for py in range(SIZE)]
    with open(sys.argv[1], "wb") as file:
        file.write(png(rows))


if __name__ == "__main__":
    main()
