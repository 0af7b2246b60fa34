"""Agreement statistics checked against a published example and values computed by hand."""

from __future__ import annotations

import pytest

from moderation.core.agreement import (ItemGroup, JudgementCount, agreement, breakdown, contingency, disagreement_hotspots, judgement_counts,
                                       kappa_from_table)

# Altman, D. G. (1991) Practical Statistics for Medical Research, Chapman & Hall, Table 14.3:
# two radiologists grading 85 xeromammograms as normal / benign / suspected cancer / cancer.
# Altman reports kappa = 0.47 and, with linear weights, weighted kappa = 0.57.
ALTMAN = [[21, 12, 0, 0], [4, 17, 1, 0], [3, 9, 15, 2], [0, 0, 0, 1]]


def test_published_example_unweighted_and_linear_weighted() -> None:
    assert kappa_from_table(ALTMAN, "none") == pytest.approx(0.47, abs=0.005)
    assert kappa_from_table(ALTMAN, "linear") == pytest.approx(0.57, abs=0.005)
    figures = agreement(ALTMAN)
    assert figures.pairs == 85
    assert figures.exact_agreement_percent == pytest.approx(100 * 54 / 85, abs=0.05)


def test_three_by_three_by_hand() -> None:
    # rows: original, columns: moderator. n = 10, exact matches 3 + 2 + 1 = 6.
    table = [[3, 1, 0], [1, 2, 1], [0, 1, 1]]
    # Linear weights: 1 on the diagonal, 0.5 one step away, 0 two steps away.
    # observed = (6 + 0.5 * 4) / 10 = 0.8
    # rows (4, 4, 2), columns (4, 4, 2); expected = sum w_ij r_i c_j / 100
    #   diagonal: 16 + 16 + 4 = 36; one step: 0.5 * (16 + 8 + 16 + 8) = 24; total 60 / 100 = 0.6
    # kappa_w = (0.8 - 0.6) / (1 - 0.6) = 0.5
    assert kappa_from_table(table, "linear") == pytest.approx(0.5)
    # Unweighted: observed 0.6, expected 0.36 -> (0.6 - 0.36) / 0.64 = 0.375
    assert kappa_from_table(table, "none") == pytest.approx(0.375)


def test_perfect_agreement_and_undefined_kappa() -> None:
    assert kappa_from_table([[5, 0], [0, 5]]) == pytest.approx(1.0)
    assert kappa_from_table([[5, 0], [0, 0]]) is None  # everyone on one descriptor: chance explains it all
    assert agreement([[0, 0], [0, 0]]).exact_agreement_percent is None


SCALE = ["emerging", "developing", "established"]


def _counts() -> list[JudgementCount]:
    return [
        JudgementCount("r1", "exploration", "s1", "emerging", "emerging", 4),
        JudgementCount("r1", "exploration", "s2", "developing", "established", 3),
        JudgementCount("r1", "initiation", "s1", "established", "established", 5),
        JudgementCount("r1", "initiation", "s2", "developing", "developing", 2),
        JudgementCount("r1", "initiation", "s2", "outside-the-scale", "developing", 7),
    ]


def test_contingency_follows_the_scale_and_skips_unknown_words() -> None:
    assert contingency(_counts(), SCALE) == [[4, 0, 0], [0, 2, 3], [0, 0, 5]]


def test_breakdown_by_area_school_and_descriptor() -> None:
    by_area = {g.group: g for g in breakdown(_counts(), SCALE, "area")}
    assert by_area["exploration"].pairs == 7 and by_area["exploration"].exact_agreement_percent == pytest.approx(57.1)
    assert by_area["initiation"].exact_agreement_percent == 100.0
    by_descriptor = [g.group for g in breakdown(_counts(), SCALE, "original")]
    assert by_descriptor[:3] == ["emerging", "developing", "established"]  # scale order, not alphabetical


def test_hotspots_put_the_least_agreement_first() -> None:
    hotspots = disagreement_hotspots(_counts(), SCALE, min_pairs=3)
    # School s2 and the descriptor "developing" both agree on 2 of 5; exploration on 4 of 7.
    assert {(h.dimension, h.group) for h in hotspots[:2]} == {("school_id", "s2"), ("original", "developing")}
    assert (hotspots[2].dimension, hotspots[2].group) == ("area", "exploration")
    assert all(h.exact_agreement_percent < 100 for h in hotspots)


def test_grouped_items_give_the_same_pairs_as_one_by_one() -> None:
    groups = [ItemGroup("r1", "s1", "agreed", True, ("exploration",), (("exploration", "emerging", "developing"),), 3),
              ItemGroup("r1", "s1", "judged", False, ("exploration",), (("exploration", "emerging", "developing"),), 2),
              ItemGroup("r1", "s2", "awaiting_judgement", None, ("initiation",), (), 4),
              ItemGroup("r2", "s1", "agreed", False, ("realisation", "persistence"),
                        (("realisation", "secure", "secure"), ("persistence", "emerging", "emerging")), 1)]
    counts = sorted(judgement_counts(groups), key=lambda c: (c.round_id, c.area))
    assert counts == [JudgementCount("r1", "exploration", "s1", "emerging", "developing", 5),
                      JudgementCount("r2", "persistence", "s1", "emerging", "emerging", 1),
                      JudgementCount("r2", "realisation", "s1", "secure", "secure", 1)]
