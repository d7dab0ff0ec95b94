"""Recursion frames rendered from the inputs (nn/compose.py): source maps and their
composition, checked on whole-pixel shifts, where one warp along the summed flow is exact."""
import numpy as np
import torch

from tweenflow.nn.compose import SourceMap, compose, fuse
from tweenflow.nn.warp import backward_warp


def image(seed=1, size=(1, 4, 24, 32)):
    return torch.from_numpy(np.random.default_rng(seed).random(size, dtype=np.float32))


def constant_flow(dx, dy, like, channels=2):
    flow = torch.zeros((1, channels, *like.shape[-2:]))
    flow[:, 0::2], flow[:, 1::2] = dx, dy
    return flow


def test_an_input_maps_to_itself():
    input0, input1 = image(1), image(2)
    assert torch.allclose(SourceMap.of_input(0, input0).render(input0, input1), input0, atol=1e-5)
    assert torch.allclose(SourceMap.of_input(1, input0).render(input0, input1), input1, atol=1e-5)


def test_a_pass_between_the_inputs_is_that_pass():
    """From the inputs themselves, the composed map is the network's flow and weight."""
    input0, input1 = image(1), image(2)
    flow = torch.randn((1, 4, 24, 32))
    weight = torch.rand((1, 1, 24, 32))
    made = compose(SourceMap.of_input(0, input0), SourceMap.of_input(1, input0), flow, weight)
    assert torch.allclose(made.flow_to_0, flow[:, :2], atol=1e-5)
    assert torch.allclose(made.flow_to_1, flow[:, 2:], atol=1e-5)
    assert torch.allclose(made.weight_0, weight, atol=1e-6)
    expected = backward_warp(input0, flow[:, :2]) * weight + \
        backward_warp(input1, flow[:, 2:]) * (1 - weight)
    assert torch.allclose(made.render(input0, input1), expected, atol=1e-5)


def test_flows_add_up_through_the_levels_and_the_inputs_are_warped_once():
    """A frame made from input 0 shifted by (3, 0) and input 1 shifted by (-2, 1), then a pass
    that samples it 2 px left: input 0 is sampled at x + 5, input 1 at x + (0, 1)."""
    input0, input1 = image(1), image(2)
    mid = SourceMap(constant_flow(3, 0, input0), constant_flow(-2, 1, input0),
                    torch.full((1, 1, 24, 32), 0.25))
    step = constant_flow(2, 0, input0, channels=4)      # to low (the mid frame) and to high
    made = compose(mid, mid, step, torch.full((1, 1, 24, 32), 0.5))
    inside = (slice(None), slice(None), slice(2, -2), slice(6, -6))    # away from the border
    assert torch.allclose(made.flow_to_0[inside][:, 0], torch.tensor(5.0))
    assert torch.allclose(made.flow_to_1[inside][:, 1], torch.tensor(1.0))
    assert torch.allclose(made.weight_0, torch.tensor(0.25))
    once = made.render(input0, input1)
    twice = backward_warp(mid.render(input0, input1), step[:, :2])
    assert torch.allclose(once[inside], twice[inside], atol=1e-5)   # whole pixels: no blur


def test_disagreeing_sides_give_one_copy_at_the_weighted_mean():
    """Low brings input 0 from 4 px right, high from 4 px left, at equal shares: one copy
    sampled in place (flows averaged), not two half-bright copies."""
    input0 = image(1)
    low = SourceMap(constant_flow(4, 0, input0), constant_flow(0, 0, input0),
                    torch.ones((1, 1, 24, 32)))
    high = SourceMap(constant_flow(-4, 0, input0), constant_flow(0, 0, input0),
                     torch.ones((1, 1, 24, 32)))
    made = compose(low, high, torch.zeros((1, 4, 24, 32)), torch.full((1, 1, 24, 32), 0.5))
    assert torch.allclose(made.flow_to_0, torch.zeros(1)) and torch.allclose(made.weight_0,
                                                                             torch.ones(1))
    assert torch.allclose(made.render(input0, image(2)), input0, atol=1e-5)


def random_map(seed=3, size=(24, 32)):
    rng = torch.Generator().manual_seed(seed)
    return SourceMap(torch.randn((1, 2, *size), generator=rng) * 3,
                     torch.randn((1, 2, *size), generator=rng) * 3,
                     torch.rand((1, 1, *size), generator=rng))


def test_a_mirrored_map_renders_the_mirrored_frame_from_mirrored_inputs():
    input0, input1, made = image(1), image(2), random_map()
    mirrored = made.mirrored()
    frame = mirrored.render(input0.flip(-1), input1.flip(-1))
    assert torch.allclose(frame, made.render(input0, input1).flip(-1), atol=1e-5)
    twice = mirrored.mirrored()
    assert all(torch.equal(a, b) for a, b in ((twice.flow_to_0, made.flow_to_0),
                                              (twice.flow_to_1, made.flow_to_1),
                                              (twice.weight_0, made.weight_0)))


def test_a_swapped_map_renders_the_same_frame_from_the_swapped_inputs():
    input0, input1, made = image(1), image(2), random_map()
    assert torch.allclose(made.swapped().render(input1, input0), made.render(input0, input1),
                          atol=1e-5)


def test_a_cropped_map_is_the_top_left_of_the_frame():
    input0, input1, made = image(1), image(2), random_map()
    inside = (slice(None), slice(None), slice(0, 10), slice(0, 12))
    # away from the crop's border the warps sample the same pixels
    small = made.cropped(16, 20).render(input0[..., :16, :20], input1[..., :16, :20])
    assert small.shape[-2:] == (16, 20)
    near = (made.flow_to_0[inside].abs().amax(1) < 2) & (made.flow_to_1[inside].abs().amax(1) < 2)
    assert torch.allclose(small[inside][:, :, near[0]],
                          made.render(input0, input1)[inside][:, :, near[0]], atol=1e-5)


def test_fused_maps_give_one_copy_at_the_mean_place():
    """Two runs bring input 0 from 4 px right and from 2 px left, a third only input 1: input
    0 comes from the shares' mean place (1 px right), at the mean share."""
    input0 = image(1)
    right = SourceMap(constant_flow(4, 0, input0), constant_flow(0, 0, input0),
                      torch.ones((1, 1, 24, 32)))
    left = SourceMap(constant_flow(-2, 0, input0), constant_flow(0, 0, input0),
                     torch.ones((1, 1, 24, 32)))
    other = SourceMap(constant_flow(9, 9, input0), constant_flow(1, 0, input0),
                      torch.zeros((1, 1, 24, 32)))
    fused = fuse([right, left, other])
    assert torch.allclose(fused.flow_to_0[:, 0], torch.tensor(1.0))
    assert torch.allclose(fused.flow_to_0[:, 1], torch.tensor(0.0))
    assert torch.allclose(fused.flow_to_1[:, 0], torch.tensor(1.0))   # only `other` brings it
    assert torch.allclose(fused.weight_0, torch.tensor(2 / 3))
    one = random_map()
    alone = fuse([one])
    assert torch.allclose(alone.render(input0, image(2)), one.render(input0, image(2)), atol=1e-6)
