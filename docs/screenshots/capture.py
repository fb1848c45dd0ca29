"""Screenshots of the text report as a terminal shows it: run a command in a detached tmux
session of a given width, capture the pane with its colours (`capture-pane -p -e`), and draw
that into a PNG with a monospace font.

    python docs/screenshots/capture.py 80 docs/screenshots/text-report-80.png

Needs tmux, Pillow (`pip install pillow`, for this script only) and DejaVu Sans Mono (Debian's
fonts-dejavu-core). Run it from the repository root, with `hullscan` on PATH.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

COMMAND = "hullscan scan examples/kubernetes/"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
SIZE = 14
PAD = 12
BACKGROUND, FOREGROUND, DIM = (30, 30, 30), (212, 212, 212), (128, 128, 128)
PALETTE = {30: (0, 0, 0), 31: (241, 76, 76), 32: (35, 209, 139), 33: (229, 229, 16), 34: (59, 142, 234),
           35: (214, 112, 214), 36: (41, 184, 219), 37: (229, 229, 229)}
SGR = re.compile(r"\x1b\[([\d;]*)m")


def capture(width: int, command: str) -> str:
    """The pane's whole content (scrollback included), with its SGR colour codes."""
    session = f"hullscan-shot-{width}"
    script = f"printf '$ %s\\n' '{command}'; env -u COLUMNS {command}; tmux wait-for -S {session}; sleep 60"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", "50", script], check=True)
    try:
        subprocess.run(["tmux", "wait-for", session], check=True, timeout=120)
        return subprocess.run(["tmux", "capture-pane", "-p", "-e", "-S", "-", "-t", session], check=True,
                              capture_output=True, text=True).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def spans(line: str) -> list[tuple[str, tuple[int, int, int], bool]]:
    """(text, colour, bold) runs of one captured line."""
    runs: list[tuple[str, tuple[int, int, int], bool]] = []
    colour, bold, dim = FOREGROUND, False, False
    position = 0
    for match in SGR.finditer(line):
        if match.start() > position:
            runs.append((line[position:match.start()], DIM if dim else colour, bold))
        for code in [int(part) for part in match.group(1).split(";") if part] or [0]:
            if code == 0:
                colour, bold, dim = FOREGROUND, False, False
            elif code == 1:
                bold = True
            elif code == 2:
                dim = True
            elif code == 39:
                colour = FOREGROUND
            elif code in PALETTE:
                colour = PALETTE[code]
        position = match.end()
    runs.append((line[position:], DIM if dim else colour, bold))
    return runs


def draw(text: str, width: int, output: Path) -> None:
    lines = text.rstrip("\n").split("\n")
    while lines and not SGR.sub("", lines[-1]).strip():
        lines.pop()
    regular = ImageFont.truetype(str(FONTS / "DejaVuSansMono.ttf"), SIZE)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSansMono-Bold.ttf"), SIZE)
    cell, height = regular.getlength("M"), int(SIZE * 1.35)
    image = Image.new("RGB", (int(cell * width) + 2 * PAD, height * len(lines) + 2 * PAD), BACKGROUND)
    pen = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        column = 0
        for part, colour, is_bold in spans(line):
            pen.text((PAD + column * cell, PAD + row * height), part, fill=colour, font=bold if is_bold else regular)
            column += len(part)
    output.parent.mkdir(parents=True, exist_ok=True)
    image.save(output, optimize=True)


def main(argv: list[str]) -> int:
    width, output = int(argv[0]), Path(argv[1])
    draw(capture(width, argv[2] if len(argv) > 2 else COMMAND), width, output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
