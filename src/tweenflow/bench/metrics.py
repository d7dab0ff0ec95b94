"""Frame metrics: PSNR and SSIM as the shared/data README defines them (uint8 RGB, full
frame), and issue 18's sharpness and edge agreement over the moving area."""
from __future__ import annotations

import cv2
import numpy as np


def psnr(prediction: np.ndarray, truth: np.ndarray) -> float:
    """RGB PSNR over all H*W*3 values with MAX = 255; 100 dB for identical frames."""
    mse = np.mean((prediction.astype(np.float64) - truth.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def ssim(prediction: np.ndarray, truth: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5), averaged over RGB channels."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    a = prediction.astype(np.float64)
    b = truth.astype(np.float64)
    blur = lambda image: cv2.GaussianBlur(image, (11, 11), 1.5)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / \
        ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


# Moving area: pixels where the two input frames differ by more than this many levels in some
# channel, dilated by MOVING_DILATION x MOVING_DILATION (issue 18).
MOVING_THRESHOLD = 25
MOVING_DILATION = 9


def moving_area(frame0: np.ndarray, frame1: np.ndarray) -> np.ndarray:
    """bool (H, W): where uint8 RGB frame0 and frame1 differ by more than MOVING_THRESHOLD
    levels in some channel, dilated by a MOVING_DILATION square."""
    differ = (np.abs(frame0.astype(np.int16) - frame1.astype(np.int16)).max(axis=2)
              > MOVING_THRESHOLD).astype(np.uint8)
    kernel = np.ones((MOVING_DILATION, MOVING_DILATION), np.uint8)
    return cv2.dilate(differ, kernel).astype(bool)


def _laplacian(frame: np.ndarray) -> np.ndarray:
    """OpenCV's 3x3-aperture Laplacian of a uint8 RGB frame's grey levels, float64."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float64)
    return cv2.Laplacian(grey, cv2.CV_64F, ksize=3)


def sharpness(prediction: np.ndarray, truth: np.ndarray, area: np.ndarray) -> float | None:
    """Mean squared Laplacian of the prediction over `area` divided by the truth's (1.0: as
    much fine detail as the truth); None where the area is empty or the truth has none."""
    if not area.any():
        return None
    truth_energy = float(np.mean(_laplacian(truth)[area] ** 2))
    if truth_energy == 0.0:
        return None
    return float(np.mean(_laplacian(prediction)[area] ** 2)) / truth_energy


def edge_agreement(prediction: np.ndarray, truth: np.ndarray, area: np.ndarray) -> float | None:
    """Normalized cross-correlation (means removed) of the prediction's and the truth's
    Laplacians over `area`, in [-1, 1]: detail in the wrong place lowers it. None where the
    area is empty or either Laplacian is constant there."""
    if not area.any():
        return None
    a = _laplacian(prediction)[area]
    b = _laplacian(truth)[area]
    a = a - a.mean()
    b = b - b.mean()
    norm = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return None if norm == 0.0 else float(np.sum(a * b)) / norm


def aligned_detail(prediction: np.ndarray, truth: np.ndarray, area: np.ndarray) -> float | None:
    """The part of the truth's detail that the prediction has in the right place: the mean
    product of the two Laplacians over `area` divided by the truth's mean squared Laplacian
    (1.0: the truth; a copy in the wrong place: about 0). Unlike sharpness and edge agreement
    it is linear in the prediction, so a blend of frames has the blend of their values: only a
    sharper frame or a choice that follows the truth raises it. Where the means are zero it is
    edge_agreement * sqrt(sharpness). None where the area is empty or the truth has no detail."""
    if not area.any():
        return None
    reference = _laplacian(truth)[area]
    energy = float(np.mean(reference * reference))
    if energy == 0.0:
        return None
    return float(np.mean(_laplacian(prediction)[area] * reference)) / energy
