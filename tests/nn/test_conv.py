"""Degenerate convolutions (an output side of one pixel with stride > 1) run in fp32 under a
reduced-precision autocast; everything else is plain F.conv2d."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tests.faults import broken_reduced_precision_conv
from tweenflow.nn.conv import Conv2d, conv2d, is_degenerate, output_size


@pytest.mark.parametrize("size, stride, padding, expected", [
    ((32, 2), 2, 1, True),      # the repro: one pixel wide, stride 2
    ((2, 32), 2, 1, True),      # one pixel tall
    ((4, 4), 2, 1, False),      # two pixels
    ((32, 1), 1, 1, False),     # one pixel, but stride 1
    ((1, 1), 2, 1, True),
])
def test_degenerate_shapes(size, stride, padding, expected):
    assert is_degenerate(size, (3, 3), stride, padding) is expected


def test_output_size_is_pytorchs():
    x = torch.zeros(1, 1, 17, 9)
    for stride, padding in ((1, 0), (2, 1), (3, 2)):
        out = F.conv2d(x, torch.zeros(1, 1, 3, 3), stride=stride, padding=padding)
        assert out.shape[-2:] == (output_size(17, 3, stride, padding, 1),
                                  output_size(9, 3, stride, padding, 1))


def test_a_degenerate_shape_runs_in_fp32_under_bf16_autocast():
    torch.manual_seed(0)
    x, w, b = torch.rand(1, 1, 32, 2), torch.randn(96, 1, 3, 3), torch.randn(96)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = conv2d(x, w, b, stride=2, padding=1)
    assert out.dtype == torch.bfloat16          # what the bf16 call would have returned
    assert torch.equal(out, F.conv2d(x, w, b, stride=2, padding=1).to(torch.bfloat16))


def test_other_shapes_are_plain_conv2d_under_autocast():
    torch.manual_seed(1)
    x, w = torch.rand(1, 4, 16, 16), torch.randn(8, 4, 3, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(conv2d(x, w, stride=2, padding=1), F.conv2d(x, w, stride=2, padding=1))
    assert torch.equal(conv2d(x, w, stride=2, padding=1), F.conv2d(x, w, stride=2, padding=1))


def test_bf16_inputs_are_routed_too():
    torch.manual_seed(2)
    x, w = torch.rand(1, 3, 2, 40), torch.randn(5, 3, 3, 3)
    out = conv2d(x.bfloat16(), w.bfloat16(), stride=2, padding=1)
    assert out.dtype == torch.bfloat16
    assert torch.equal(out, F.conv2d(x.bfloat16().float(), w.bfloat16().float(), stride=2,
                                     padding=1).bfloat16())


def test_the_module_is_a_drop_in_for_nn_conv2d():
    plain = nn.Conv2d(3, 6, 3, 2, 1)
    routed = Conv2d(3, 6, 3, 2, 1)
    routed.load_state_dict(plain.state_dict(), strict=True)
    x = torch.rand(2, 3, 20, 2)
    assert torch.equal(routed(x), plain(x))
    expected = F.conv2d(x, plain.weight, plain.bias, 2, 1).bfloat16()   # fp32, then rounded
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(routed(x), expected)


def test_routing_avoids_a_kernel_that_is_wrong_on_degenerate_shapes(monkeypatch):
    # A stand-in for the AMX fault: reduced-precision convolutions with a one-pixel-wide
    # output and stride > 1 come out 100% off. Routed convolutions never reach it.
    broken_reduced_precision_conv(monkeypatch, max_width=1, min_stride=2)
    torch.manual_seed(3)
    x, w = torch.rand(1, 1, 32, 2), torch.randn(8, 1, 3, 3)
    reference = F.conv2d(x, w, stride=2, padding=1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        broken = F.conv2d(x, w, stride=2, padding=1).float()
        routed = conv2d(x, w, stride=2, padding=1).float()
    assert (broken - reference).abs().max() > 1.0
    assert (routed - reference).abs().max() < 0.05
