"""Studio benchmark, measured through the browser (Debian's Chromium driven by Playwright).

    python -m tweenflow.bench.studio [--data ../shared/data] [--engines classical,rife4]
                                     [--drags 10] [--requests 50] [--screenshot docs/studio.png]

Starts `tweenflow studio A B --port 0` as a user would (a child process) on a real pair
(multi_gap/dog 00000 and 00004 at 640x360), then per engine:
  - drag latency: the end of a track is dragged to a new place `--drags` times; each time, the
    time from the pointer's release to the new preview frame at the current t being decoded and
    shown in the page (the page's own performance.now() stamps). Median, min, max.
  - memory: `--requests` preview requests in a row (each a new t, so none is cached), and the
    server's resident memory (VmRSS) before and after.
Targets (issue 7): median drag latency <= 0.3 s classical, <= 1.5 s rife4; RSS growth <= 50 MB.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import httpx

TARGETS = {"classical": 0.3, "rife4": 1.5, "rife3": None}
RSS_TARGET_MB = 50.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TRACK = {"points": [[0.0, 300, 200], [1.0, 340, 190]], "radius": 40}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def write_pair(data_dir: Path, folder: Path) -> tuple[Path, Path]:
    paths = []
    for index, name in enumerate(("00000.png", "00004.png")):
        image = cv2.imread(str(data_dir / "multi_gap" / "dog" / name))
        if image.shape[:2] != (360, 640):
            image = cv2.resize(image, (640, 360), interpolation=cv2.INTER_AREA)
        paths.append(folder / f"dog_{name}")
        cv2.imwrite(str(paths[-1]), image)
    return paths[0], paths[1]


def start_server(paths: tuple[Path, Path]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "tweenflow", "studio", *map(str, paths),
                                "--port", "0", "--no-browser"], stdout=subprocess.PIPE,
                               text=True)
    line = process.stdout.readline()
    match = re.search(r"(http://\S+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"the studio did not start: {line!r}")
    return process, match.group(1)


def wait_preview(page, timeout: float = 120_000) -> None:
    page.wait_for_function(
        "() => { const r = window.studio.renderer, img = document.querySelector('#preview');"
        " return img.dataset.seq && Number(img.dataset.seq) === r.seq"
        " && r.timing.shownSeq === r.seq; }", timeout=timeout)


def page_xy(page, x: float, y: float, canvas: str) -> tuple[float, float]:
    box = page.locator(canvas).bounding_box()
    factor = box["width"] / page.evaluate(f"document.querySelector('{canvas}').width")
    return box["x"] + (x + 0.5) * factor, box["y"] + (y + 0.5) * factor


def drag(page, start, end) -> None:
    page.mouse.move(*page_xy(page, *start))
    page.mouse.down()
    page.mouse.move(*page_xy(page, *end), steps=8)
    page.mouse.up()


def drag_latencies(page, engine: str, drags: int) -> list[float]:
    page.select_option("#engine", engine)
    wait_preview(page)   # the pair is prepared for this engine (once, as in use)
    page.click("#clearTracks")
    wait_preview(page)
    x0, y0 = TRACK["points"][0][1:]
    x1, y1 = TRACK["points"][1][1:]
    drag(page, (x0, y0, "#viewA"), (x1, y1, "#viewB"))
    wait_preview(page)
    latencies = []
    for k in range(drags):
        target = (x1 + 4 * (k + 1), y1 - 3 * (k % 4), "#viewB")
        drag(page, (x1 + 4 * k, y1 - 3 * ((k - 1) % 4) if k else y1, "#viewB"), target)
        wait_preview(page)
        end = page.evaluate("window.studio.tracks.items.map((t) => t.points.at(-1))")
        if len(end) != 1 or abs(end[0][1] - target[0]) > 1 or abs(end[0][2] - target[1]) > 1:
            raise RuntimeError(f"drag {k} did not move the track's end to {target[:2]}: {end}")
        timing = page.evaluate("window.studio.renderer.timing")
        latencies.append((timing["shownAt"] - timing["changeAt"]) / 1000)
    return latencies


def memory_growth(url: str, session: str, pid: int, engine: str, requests: int
                  ) -> tuple[float, float]:
    with httpx.Client(base_url=url, timeout=300) as client:
        def ask(t: float) -> None:
            response = client.post(f"/api/sessions/{session}/preview",
                                   json={"engine": engine, "t": t, "tracks": [TRACK]})
            response.raise_for_status()
        ask(0.5)
        before = rss_mb(pid)
        for k in range(requests):
            ask(round((k + 1) / (requests + 1), 6))
        return before, rss_mb(pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench.studio")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--engines", default="classical,rife4")
    parser.add_argument("--drags", type=int, default=10)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="also save a screenshot of the studio (PNG) here")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("needs Playwright: pip install -e '.[test]'")
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"needs {CHROMIUM}: apt-get install -y chromium")

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        paths = write_pair(args.data, Path(folder))
        process, url = start_server(paths)
        try:
            session = httpx.get(url + "api/config", timeout=30).json()["session"]["session"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                page.wait_for_function("() => window.studio && window.studio.ready")
                wait_preview(page)
                for engine in args.engines.split(","):
                    latencies = drag_latencies(page, engine, args.drags)
                    before, after = memory_growth(url, session, process.pid, engine,
                                                  args.requests)
                    rows.append((engine, latencies, before, after))
                    print_row(*rows[-1])
                if args.screenshot:
                    save_screenshot(page, args.screenshot)
                browser.close()
        finally:
            process.terminate()
            process.wait(30)
    print_table(rows, args)
    return 0


def save_screenshot(page, path: Path) -> None:
    from PIL import Image
    page.select_option("#engine", "classical")
    page.evaluate("document.querySelector('#t').value = '0.5'")
    page.dispatch_event("#t", "input")
    wait_preview(page)
    page.mouse.move(0, 0)
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(path).convert("RGB")
    image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"screenshot: {path} ({path.stat().st_size // 1024} kB)")


def print_row(engine, latencies, before, after) -> None:
    print(f"{engine}: drag->preview {[round(x, 3) for x in latencies]}, "
          f"RSS {before:.0f} -> {after:.0f} MB", flush=True)


def print_table(rows, args) -> None:
    print(f"\nStudio, 640x360 (multi_gap/dog 00000 -> 00004), {args.drags} drags, "
          f"{args.requests} previews; {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs\n")
    print("| engine | drag -> preview median (s) | min | max | target | "
          f"RSS before (MB) | after {args.requests} previews | growth | target |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for engine, latencies, before, after in rows:
        target = TARGETS.get(engine)
        median = statistics.median(latencies)
        verdict = "" if target is None else f"<= {target} ({'met' if median <= target else 'MISSED'})"
        growth = after - before
        print(f"| {engine} | {median:.3f} | {min(latencies):.3f} | {max(latencies):.3f} | "
              f"{verdict} | {before:.0f} | {after:.0f} | {growth:+.0f} | <= {RSS_TARGET_MB:.0f} "
              f"({'met' if growth <= RSS_TARGET_MB else 'MISSED'}) |")


if __name__ == "__main__":
    sys.exit(main())
