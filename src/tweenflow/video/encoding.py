"""What the video writer encodes with: the codec table, pixel formats, quality options, colour
tags and HDR metadata (mastering display, content light level).

`encoder_settings` turns the user's choice (codec, crf, preset, pix_fmt, lossless) and what the
frames are (8 or 16 bits, alpha or not) into one `EncoderSettings`, or refuses an impossible
combination with one line that says what would work.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from fractions import Fraction

import av

from tweenflow.errors import Note, OutputError
from tweenflow.video.intermediate import (SourceCodec, dnxhr_profile, family_not_kept,
                                          intermediate_for)

X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                "slower", "veryslow", "placebo")


@dataclass(frozen=True)
class Codec:
    """One row of the codec table. Pixel formats: (8-bit, high bit depth) without and with
    alpha; None where this build of the encoder has no such format."""

    name: str                       # what --codec takes
    encoder: str                    # the FFmpeg encoder PyAV opens
    pix_fmt: str
    pix_fmt_high: str | None
    pix_fmt_alpha: str | None
    pix_fmt_alpha_high: str | None
    crf_range: tuple[int, int] | None      # None: no --crf (prores: profile; ffv1: lossless)
    default_crf: int | None
    presets: tuple[str, ...]        # accepted --preset values (empty: no --preset)
    default_preset: str | None
    lossless: str                   # "option" (--lossless available), "always" or "never"
    note: str                       # for the README / --help


CODECS: dict[str, Codec] = {codec.name: codec for codec in (
    Codec("h264", "libx264", "yuv420p", "yuv420p10le", None, None, (0, 51), 18, X26X_PRESETS,
          "medium", "option", "H.264 (x264; High 10 for 10-bit)"),
    Codec("h265", "libx265", "yuv420p", "yuv420p10le", None, None, (0, 51), 20, X26X_PRESETS,
          "medium", "option", "H.265/HEVC (x265; Main 10 for 10-bit)"),
    # crf from 1: libsvtav1 takes 0 as "not set" (SVT's default, CRF 35)
    Codec("av1", "libsvtav1", "yuv420p", "yuv420p10le", None, None, (1, 63), 30,
          tuple(str(n) for n in range(14)), "8", "never", "AV1 (SVT-AV1)"),
    Codec("vp9", "libvpx-vp9", "yuv420p", None, "yuva420p", None, (0, 63), 31,
          tuple(str(n) for n in range(9)), "4", "option", "VP9 (libvpx; alpha as yuva420p)"),
    Codec("prores", "prores_ks", "yuv422p10le", "yuv422p10le", "yuva444p10le",
          "yuva444p10le", None, None, (), None, "never",
          "ProRes 422 HQ (prores_ks), ProRes 4444 with alpha"),
    Codec("ffv1", "ffv1", "yuv444p", "yuv444p16le", "yuva444p", "yuva444p16le", None, None,
          (), None, "always", "FFV1 (lossless)"),
    # FFmpeg's dnxhd encoder refuses DNxHR frames smaller than 256x120
    Codec("dnxhr", "dnxhd", "yuv422p", "yuv422p10le", None, None, None, None, (), None,
          "never", "DNxHR HQ (dnxhd), HQX for 10-bit; frames from 256x120"),
)}
DEFAULT_CODEC = "h264"
# containers that cannot hold the default codec, and what they get instead (as FFmpeg does)
CONTAINER_DEFAULT_CODECS = {".webm": "vp9"}
# frames with alpha where H.264 would drop it: ProRes 4444, what editing software exchanges
ALPHA_DEFAULT_CODECS = {".mov": "prores", ".mkv": "prores"}
# containers each codec can go in (the muxers' own lists are longer; these are tested).
# FFmpeg's QuickTime muxer refuses VP9 and AV1 ("only supported in MP4").
CONTAINERS = {".mp4": {"h264", "h265", "av1", "vp9"},
              ".mkv": set(CODECS) - {"dnxhr"},    # this FFmpeg's Matroska refuses DNx
              ".mov": {"h264", "h265", "prores", "dnxhr"},
              ".webm": {"vp9", "av1"}}
VIDEO_SUFFIXES = set(CONTAINERS)
# codecs whose streams are limited range only (prores_ks marks every frame so)
LIMITED_RANGE_ONLY = {"prores"}
# sample entry tags where FFmpeg's default does not play everywhere: HEVC as 'hev1' is refused
# by Apple's players (QuickTime, Safari, iOS), 'hvc1' plays in all
CODEC_TAGS = {("h265", ".mp4"): "hvc1", ("h265", ".mov"): "hvc1"}
# VP9's alpha travels in Matroska block side data: other containers lose it without a word
SIDE_DATA_ALPHA = {"vp9": (".webm", ".mkv")}
# containers that keep times in fixed steps (Matroska and WebM: milliseconds)
TIME_STEPS = {".mkv": Fraction(1, 1000), ".webm": Fraction(1, 1000)}


def check_time_steps(suffix: str, rate: Fraction) -> None:
    """Refuse output frames at `rate` (frames/s) closer than the container can time apart
    (they would share times)."""
    step = TIME_STEPS.get(suffix)
    if step is not None and rate * step > 1:
        raise OutputError(f"{suffix} files keep times in steps of {float(step) * 1000:g} ms, so "
                          f"frames at {float(rate):g} fps would share times; use .mp4 or .mov")


@dataclass(frozen=True)
class Encoding:
    """The user's encoding choice; None means the default (codec None: the container's,
    default_codec)."""

    codec: str | None = None
    crf: int | None = None
    preset: str | None = None
    pix_fmt: str | None = None
    lossless: bool = False

    @property
    def tunes_the_default(self) -> bool:
        """Options given without a codec (crf, preset, pix_fmt, lossless): they are the usual
        default codec's (h264's), so the defaults by input (ProRes for alpha or a ProRes
        input, DNxHR) step aside."""
        return (self.crf is not None or self.preset is not None or self.pix_fmt is not None
                or self.lossless)


@dataclass(frozen=True)
class EncoderSettings:
    """What the writer opens: encoder, pixel format, encoder options."""

    codec: Codec
    pix_fmt: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def has_alpha(self) -> bool:
        return any(component.is_alpha for component in av.VideoFormat(self.pix_fmt).components)

    @property
    def bit_depth(self) -> int:
        return max(component.bits for component in av.VideoFormat(self.pix_fmt).components)

    def padded_size(self, width: int, height: int) -> tuple[int, int]:
        """The frame size this format can hold: sides rounded up where chroma is subsampled."""
        chroma_w, chroma_h = (av.VideoFormat(self.pix_fmt).chroma_width(1 << 8),
                              av.VideoFormat(self.pix_fmt).chroma_height(1 << 8))
        step_w, step_h = (1 << 8) // chroma_w, (1 << 8) // chroma_h
        return -(-width // step_w) * step_w, -(-height // step_h) * step_h

    def padding_notes(self, width: int, height: int) -> list[Note]:
        """A line for the user when frames of that size are padded (none if they fit)."""
        padded = self.padded_size(width, height)
        if padded == (width, height):
            return []
        full_chroma = self.pix_fmt.replace("420", "444").replace("422", "444")
        return [Note(f"{width}x{height} written as {padded[0]}x{padded[1]} (last column/row "
                     f"repeated): {self.pix_fmt} needs even sides; {{pix_fmt=}} or {{codec=}} "
                     f"keeps the size", {"pix_fmt": full_chroma, "codec": "ffv1"})]


@dataclass(frozen=True)
class HdrMetadata:
    """Mastering display colour volume and content light level, as the input carried them.

    primaries: ((x, y) of red, green, blue), white_point (x, y): CIE 1931 chromaticities;
    luminance (min, max) in cd/m2; max_cll, max_fall in cd/m2. Any part may be None.
    """

    primaries: tuple[tuple[Fraction, Fraction], ...] | None = None
    white_point: tuple[Fraction, Fraction] | None = None
    luminance: tuple[Fraction, Fraction] | None = None
    max_cll: int | None = None
    max_fall: int | None = None

    @property
    def empty(self) -> bool:
        return self.primaries is None and self.luminance is None and self.max_cll is None


def hdr_from_side_data(frame: av.VideoFrame) -> HdrMetadata:
    """The HDR metadata a decoded frame carries as side data (empty if none)."""
    mastering, light = None, None
    for side_data in frame.side_data:
        kind = str(side_data.type).rsplit(".", 1)[-1]
        if kind == "MASTERING_DISPLAY_METADATA":
            mastering = bytes(side_data)
        elif kind == "CONTENT_LIGHT_LEVEL":
            light = bytes(side_data)
    primaries = white_point = luminance = None
    max_cll = max_fall = None
    if mastering is not None and len(mastering) >= 88:
        # AVMasteringDisplayMetadata: 3x2 primaries, 2 white point, min, max luminance as
        # AVRationals (int num, int den), then has_primaries, has_luminance
        values = struct.unpack("<22i", mastering[:88])
        rationals = [_ratio(values[i], values[i + 1]) for i in range(0, 20, 2)]
        has_primaries, has_luminance = values[20], values[21]
        if has_primaries:
            primaries = tuple((rationals[2 * k], rationals[2 * k + 1]) for k in range(3))
            white_point = (rationals[6], rationals[7])
        if has_luminance:
            luminance = (rationals[8], rationals[9])
    if light is not None and len(light) >= 8:
        max_cll, max_fall = struct.unpack("<2I", light[:8])
    return HdrMetadata(primaries, white_point, luminance, max_cll, max_fall)


def _ratio(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator) if denominator else Fraction(0)


def _x26x_mastering(hdr: HdrMetadata) -> str | None:
    """The mastering display in x264/x265 syntax: G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min),
    chromaticities in 1/50000, luminance in 1/10000 cd/m2."""
    if hdr.primaries is None or hdr.luminance is None:
        return None
    chroma = lambda point: f"({round(point[0] * 50000)},{round(point[1] * 50000)})"  # noqa: E731
    red, green, blue = hdr.primaries
    low, high = hdr.luminance
    return (f"G{chroma(green)}B{chroma(blue)}R{chroma(red)}WP{chroma(hdr.white_point)}"
            f"L({round(high * 10000)},{round(low * 10000)})")


def default_codec(suffix: str, alpha: bool = False) -> str:
    """The codec a `suffix` container gets unless one is asked for: h264, vp9 in .webm; for
    frames with alpha, prores in .mov and .mkv (h264 has no alpha)."""
    if alpha and suffix in ALPHA_DEFAULT_CODECS:
        return ALPHA_DEFAULT_CODECS[suffix]
    return CONTAINER_DEFAULT_CODECS.get(suffix, DEFAULT_CODEC)


def encoder_settings(encoding: Encoding, suffix: str, high_depth: bool, alpha: bool,
                     hdr: HdrMetadata | None = None,
                     source: SourceCodec | None = None) -> tuple[EncoderSettings, list[str]]:
    """Settings for frames of that kind in a `suffix` container, and notes for the user (one
    line each) about what was kept from the input and what not. OutputError if impossible.
    source: the input's codec; without a codec (or crf, preset, pix_fmt, lossless) asked for,
    a ProRes or DNxHD/DNxHR input to .mov/.mkv is written in its own family and profile
    (`intermediate_for`)."""
    intermediate = None
    by_input = encoding.codec is None and not encoding.tunes_the_default
    if by_input and source is not None:
        intermediate = intermediate_for(source, suffix, high_depth, alpha)
    name = intermediate.codec if intermediate else \
        encoding.codec or default_codec(suffix, alpha and by_input)
    codec = CODECS.get(name)
    if codec is None:
        raise OutputError(f"unknown {{codec=}}; use one of {', '.join(CODECS)}", {"codec": name})
    notes: list[str] = []
    if intermediate is not None:
        notes.append(intermediate.note)
    elif by_input and source is not None and (not_kept := family_not_kept(source, suffix)):
        notes.append(not_kept)
    elif encoding.codec is None and name != default_codec(suffix):
        notes.append(Note(f"written as ProRes 4444 to keep the alpha (the default for inputs "
                          f"with alpha in {suffix}; {{codec=}} makes a smaller file without it)",
                          {"codec": "h264"}))
    allowed = CONTAINERS.get(suffix)
    if allowed is not None and codec.name not in allowed:
        fits = sorted(s for s, names in CONTAINERS.items() if codec.name in names)
        raise OutputError(f"{codec.name} cannot go in a {suffix} file; use "
                          f"{' or '.join(fits)} (or another {{codec}})", {"codec": codec.name})
    options: dict[str, str] = {}
    if encoding.crf is not None and encoding.lossless:
        raise OutputError("{crf} and {lossless} contradict each other; give one",
                          {"crf": encoding.crf, "lossless": encoding.lossless})
    if encoding.crf is not None:
        if codec.crf_range is None:
            why = "always lossless" if codec.lossless == "always" else "no CRF mode"
            raise OutputError(f"{{crf}} does not apply to {codec.name} ({why})",
                              {"crf": encoding.crf})
        low, high = codec.crf_range
        if not low <= encoding.crf <= high:
            raise OutputError(f"{{crf=}} is outside {low}-{high} for {codec.name}",
                              {"crf": encoding.crf})
    if encoding.lossless and codec.lossless == "never":
        raise OutputError(f"{codec.name} has no lossless mode here; use {{codec}} ffv1, h264, "
                          f"h265 or vp9 with {{lossless}}",
                          {"codec": codec.name, "lossless": encoding.lossless})
    if encoding.preset is not None and encoding.preset not in codec.presets:
        if not codec.presets:
            raise OutputError(f"{{preset}} does not apply to {codec.name}",
                              {"preset": encoding.preset})
        raise OutputError(f"unknown {{preset=}} for {codec.name}; use one of "
                          f"{', '.join(codec.presets)}", {"preset": encoding.preset})
    alpha_containers = SIDE_DATA_ALPHA.get(codec.name, (suffix,))
    if alpha and encoding.pix_fmt is None and suffix not in alpha_containers:
        notes.append(Note(f"alpha dropped: {codec.name} keeps it only in "
                          f"{' or '.join(alpha_containers)}; use one of them, {{codec}} prores "
                          f"or ffv1 (or a PNG folder)", {"codec": codec.name}))
        alpha = False
    pix_fmt = intermediate.pix_fmt if intermediate else \
        _pixel_format(codec, encoding.pix_fmt, high_depth, alpha, notes)
    settings = EncoderSettings(codec, pix_fmt)
    if settings.has_alpha and suffix not in alpha_containers:
        raise OutputError(f"{codec.name} keeps alpha only in {' or '.join(alpha_containers)} "
                          f"files; use one of them or a {{pix_fmt}} without alpha",
                          {"pix_fmt": encoding.pix_fmt})
    preset = encoding.preset or codec.default_preset
    crf = encoding.crf if encoding.crf is not None else codec.default_crf
    lossless = encoding.lossless or codec.lossless == "always"
    if codec.name == "h264":
        # crf before preset: the order the 8-bit writer always used (same bitstream)
        options.update({"qp": "0"} if lossless else {"crf": str(crf)})
        options["preset"] = preset
        params = _hdr_params(hdr, "mastering-display", "cll")
        if params:
            options["x264-params"] = params
    elif codec.name == "h265":
        options["preset"] = preset
        params = ["log-level=error"]
        params.append("lossless=1" if lossless else f"crf={crf}")
        hdr_part = _hdr_params(hdr, "master-display", "max-cll")
        if hdr_part:
            params += ["hdr10=1", hdr_part]
        options["x265-params"] = ":".join(params)
    elif codec.name == "av1":
        options.update({"crf": str(crf), "preset": preset})
        hdr_part = _hdr_params(hdr, "mastering-display", "content-light", svt=True)
        if hdr_part:
            options["svtav1-params"] = hdr_part
    elif codec.name == "vp9":
        options.update({"cpu-used": preset, "row-mt": "1", "deadline": "good"})
        options.update({"lossless": "1"} if lossless else {"crf": str(crf), "b": "0"})
    elif codec.name == "prores":
        options["profile"] = intermediate.profile if intermediate else \
            "4" if settings.has_alpha else "3"    # 4444 / 422 HQ
        options["vendor"] = "apl0"
    elif codec.name == "dnxhr":
        options["profile"] = intermediate.profile if intermediate else dnxhr_profile(pix_fmt)
    elif codec.name == "ffv1":
        options.update({"level": "3", "slicecrc": "1"})
    if hdr is not None and not hdr.empty and codec.name not in ("h264", "h265", "av1"):
        notes.append(Note(f"HDR mastering display / light level metadata not written: "
                          f"{codec.name} does not carry it here; use {{codec}} h265 or h264",
                          {"codec": codec.name}))
    if encoding.pix_fmt is not None:
        _check_opens(codec, pix_fmt, options)
    return EncoderSettings(codec, pix_fmt, options), notes


def _pixel_format(codec: Codec, requested: str | None, high_depth: bool, alpha: bool,
                  notes: list[str]) -> str:
    supported = [fmt.name for fmt in av.codec.Codec(codec.encoder, "w").video_formats or []]
    if requested is not None:
        if requested not in supported:
            raise OutputError(f"{{pix_fmt=}} is not supported by {codec.name}; use one "
                              f"of {', '.join(supported)}", {"pix_fmt": requested})
        return requested
    if alpha:
        chosen = codec.pix_fmt_alpha_high if high_depth else codec.pix_fmt_alpha
        if chosen is None and codec.pix_fmt_alpha is not None:
            notes.append(Note(f"high bit depth reduced to 8 bits: {codec.name} here has alpha "
                              f"in 8 bits only; use {{codec}} prores or ffv1",
                              {"codec": codec.name}))
            chosen = codec.pix_fmt_alpha
        if chosen is None:
            notes.append(Note(f"alpha dropped: {codec.name} cannot store it; use {{codec}} "
                              f"prores, ffv1 or vp9 (or a PNG folder)", {"codec": codec.name}))
        else:
            return chosen
    if high_depth:
        if codec.pix_fmt_high is None:
            notes.append(Note(f"high bit depth reduced to 8 bits: {codec.name} here has no "
                              f"10-bit format; use {{codec}} h265, h264, av1, prores or ffv1",
                              {"codec": codec.name}))
            return codec.pix_fmt
        return codec.pix_fmt_high
    return codec.pix_fmt


def _check_opens(codec: Codec, pix_fmt: str, options: dict[str, str]) -> None:
    """Open the encoder for a requested pix_fmt once, before any work: some list formats they
    then refuse (libx265 without alpha lists yuva420p, libvpx-vp9 gbrap), which failed at the
    first frame with a traceback."""
    context = av.CodecContext.create(codec.encoder, "w")
    context.width, context.height, context.pix_fmt = 64, 64, pix_fmt
    context.time_base = Fraction(1, 25)
    context.options = dict(options)
    try:
        context.open()
    except (av.error.FFmpegError, OSError) as error:
        raise OutputError(f"cannot open the {codec.name} encoder ({codec.encoder}) for "
                          f"{pix_fmt}: {getattr(error, 'strerror', None) or error}; use another "
                          f"{{pix_fmt}}", {"pix_fmt": pix_fmt}) from None


def _hdr_params(hdr: HdrMetadata | None, mastering_key: str, light_key: str,
                svt: bool = False) -> str:
    if hdr is None or hdr.empty:
        return ""
    parts = []
    if svt:
        if hdr.primaries is not None and hdr.luminance is not None:
            point = lambda p: f"({float(p[0]):.4f},{float(p[1]):.4f})"  # noqa: E731
            red, green, blue = hdr.primaries
            parts.append(f"{mastering_key}=G{point(green)}B{point(blue)}R{point(red)}"
                         f"WP{point(hdr.white_point)}L({float(hdr.luminance[1]):.4f},"
                         f"{float(hdr.luminance[0]):.4f})")
        if hdr.max_cll is not None:
            parts.append(f"{light_key}={hdr.max_cll},{hdr.max_fall or 0}")
        return ":".join(parts)
    mastering = _x26x_mastering(hdr)
    if mastering:
        parts.append(f"{mastering_key}={mastering}")
    if hdr.max_cll is not None:
        parts.append(f"{light_key}={hdr.max_cll},{hdr.max_fall or 0}")
    return ":".join(parts)
