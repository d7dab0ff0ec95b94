"""Benchmarks: `python -m tweenflow.bench quality` (PSNR/SSIM, s/frame on ../shared/data)."""
