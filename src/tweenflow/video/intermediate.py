"""Editing intermediates written back as they came: without a codec asked for, a ProRes or
DNxHD/DNxHR input to .mov or .mkv is written in the same family, with its profile, chroma and
bit depth (an editor's timeline takes it back as it gave it), and a line says what was chosen.
"""
from __future__ import annotations

from dataclasses import dataclass

from tweenflow.errors import Note

# editing intermediates (ProRes, DNxHD/DNxHR; by decoder name) in: the same family out, as
# an editor's timeline expects, in the containers that hold it (.mp4 keeps the default; this
# FFmpeg's Matroska muxer refuses DNxHD/DNxHR)
INTERMEDIATE_CONTAINERS = {"prores": (".mov", ".mkv"), "dnxhd": (".mov",)}
# ProRes profiles as FFmpeg's decoder names them: prores_ks's profile, the name for the user
PRORES_PROFILES = {"Proxy": ("0", "ProRes 422 Proxy"), "LT": ("1", "ProRes 422 LT"),
                   "Standard": ("2", "ProRes 422"), "HQ": ("3", "ProRes 422 HQ"),
                   "4444": ("4", "ProRes 4444"), "XQ": ("5", "ProRes 4444 XQ")}
# DNxHR profiles as the decoder names them: the dnxhd encoder's profile, its pixel formats
DNXHR_PROFILES = {"DNXHR LB": ("dnxhr_lb", ("yuv422p",)),
                  "DNXHR SQ": ("dnxhr_sq", ("yuv422p",)),
                  "DNXHR HQ": ("dnxhr_hq", ("yuv422p",)),
                  "DNXHR HQX": ("dnxhr_hqx", ("yuv422p10le",)),
                  "DNXHR 444": ("dnxhr_444", ("yuv444p10le", "gbrp10le"))}


@dataclass(frozen=True)
class SourceCodec:
    """The input's video codec, as the default for editing intermediates reads it."""

    name: str                   # FFmpeg's decoder name: "prores", "dnxhd", "h264", ...
    profile: str | None         # as the decoder names it: "HQ", "4444", "DNXHR HQX", "DNXHD"
    pix_fmt: str                # of its decoded frames


@dataclass(frozen=True)
class Intermediate:
    """The family, profile and pixel format an editing intermediate is written back in."""

    codec: str
    profile: str                # the encoder's profile option
    pix_fmt: str
    note: Note


def intermediate_for(source: SourceCodec, suffix: str, high_depth: bool,
                     alpha: bool) -> Intermediate | None:
    """What a ProRes or DNxHD/DNxHR input is written as in `suffix` without a codec asked for
    (None: not such an input, or a container that takes the usual default)."""
    if suffix not in INTERMEDIATE_CONTAINERS.get(source.name, ()):
        return None
    full_chroma = "444" in source.pix_fmt or source.pix_fmt.startswith("gbr")
    family = "ProRes" if source.name == "prores" else "DNxHD/DNxHR"
    where = f"the default for {family} inputs in {suffix}"
    smaller = f"{{codec=}} makes a smaller file{' without the alpha' if alpha else ''}"
    if source.name == "prores":
        if source.profile in PRORES_PROFILES:
            profile, label = PRORES_PROFILES[source.profile]
        else:
            profile, label = PRORES_PROFILES["4444" if full_chroma or alpha else "HQ"]
        if alpha and profile not in ("4", "5"):    # 422 profiles hold no alpha
            profile, label = PRORES_PROFILES["4444"]
        pix_fmt = "yuva444p10le" if alpha else \
            "yuv444p10le" if profile in ("4", "5") else "yuv422p10le"
        return Intermediate("prores", profile, pix_fmt, Note(
            f"written as {label} ({pix_fmt}) like the input ({where}; {smaller})",
            {"codec": "h264"}))
    if source.profile in DNXHR_PROFILES:
        profile, pix_fmts = DNXHR_PROFILES[source.profile]
        pix_fmt = source.pix_fmt if source.pix_fmt in pix_fmts else pix_fmts[0]
        label = source.profile.replace("DNXHR", "DNxHR")
        return Intermediate("dnxhr", profile, pix_fmt, Note(
            f"written as {label} ({pix_fmt}) like the input ({where}; {smaller})",
            {"codec": "h264"}))
    # DNxHD takes a few frame sizes, each at bit rates fixed per frame rate, and the rate
    # changes here: DNxHR (any size from 256x120) of the same depth and chroma
    pix_fmt = "yuv444p10le" if full_chroma else "yuv422p10le" if high_depth else "yuv422p"
    profile = dnxhr_profile(pix_fmt)
    label = next(name for name, (known, _) in DNXHR_PROFILES.items()
                 if known == profile).replace("DNXHR", "DNxHR")
    return Intermediate("dnxhr", profile, pix_fmt, Note(
        f"written as {label} ({pix_fmt}): the input is DNxHD, which takes only fixed frame "
        f"sizes and bit rates per frame rate, DNxHR any size ({where}; {smaller})",
        {"codec": "h264"}))


def dnxhr_profile(pix_fmt: str) -> str:
    """The DNxHR profile a pixel format needs."""
    if "444" in pix_fmt or pix_fmt.startswith("gbr"):
        return "dnxhr_444"
    return "dnxhr_hqx" if "10" in pix_fmt else "dnxhr_hq"


def family_not_kept(source: SourceCodec, suffix: str) -> Note | None:
    """A line when a DNxHD/DNxHR input goes to a .mkv, which cannot hold that family here."""
    if source.name == "dnxhd" and suffix == ".mkv":
        return Note(f"the input is DNxHD/DNxHR, which this FFmpeg cannot write in {suffix}: "
                    f"written with the default codec; write .mov to keep DNxHR")
    return None
