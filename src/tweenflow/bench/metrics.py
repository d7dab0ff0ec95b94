"""PSNR and SSIM as the shared/data README defines them (uint8 RGB, full frame)."""
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
