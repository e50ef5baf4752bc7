"""Polarity and sizes of names, read without a knowledge base (names invented for the test, none from a name set)."""

from __future__ import annotations

from cpkb.diagnostics.name_opposites import bounds, numbers, outside, sizes
from cpkb.diagnostics.names import _clearly_ahead, opposed, polarity


def test_a_size_outside_a_class_limit_is_opposed_and_one_inside_is_not():
    assert outside(sizes("3.6米干燥塔"), bounds("塔径小于3.6米干燥塔"))          # 小于 leaves the figure out
    assert not outside(sizes("3.6米干燥塔"), bounds("塔径3.6米及以下干燥塔"))     # 及以下 takes it in
    assert not outside(sizes("3.6米干燥塔"), bounds("3.6米以下干燥塔"))           # 以下 takes it in (包括本数)
    assert outside(sizes("800t/d窑"), bounds("日产500吨/日及以下窑"))           # units read alike: t/d = 吨/日
    assert not outside(sizes("800千瓦风机"), bounds("小于500米风道"))             # another unit says nothing
    assert sizes("3.6米以下干燥塔") == ()                                         # a limit is not a size


def test_figures_are_read_with_their_decimal_point():
    assert numbers("XK60型干燥塔") == {60.0}
    assert numbers("6.0米干燥塔") == {6.0}


def test_a_word_said_both_low_and_high_takes_no_side():
    assert "效" not in polarity("停用低效泵、换用高效泵")
    assert not opposed("停用低效泵、换用高效泵", "换用高效风扇")
    assert opposed("低效泵", "高效泵")


def test_not_done_is_a_negation():
    assert polarity("滤芯未清理")["清"] == -3
    assert opposed("滤芯未清理", "滤芯按期清理") is False      # nothing said of 清 on the other side
    assert opposed("滤芯未清理", "滤芯不清理") is False        # 未 and 不 negate alike
    assert opposed("未清理滤芯", "含清理滤芯") is True


def test_a_first_suggestion_far_ahead_is_clear_even_when_unsure():
    assert _clearly_ahead(0.62, 0.35)
    assert not _clearly_ahead(0.62, 0.45)
    assert _clearly_ahead(0.8, 0.68)
