"""The Fellegi–Sunter model: EM, u sampling, term frequencies, OCR confidence, labels, pins."""

from __future__ import annotations

import numpy as np
import pytest

from civreg.errors import ConfigurationError
from matching.comparisons import Comparison, ComparisonLevel, Else, Exact, PairContext, compare
from matching.frame import StringField, encode_pair
from matching.model import (
    ModelConfig,
    ModelParameters,
    PinnedLevel,
    estimate_u,
    expectation_maximisation,
    learn_term_frequencies,
    refine_from_labels,
    score,
    starting_parameters,
)

TRUE_M = [np.array([0.80, 0.15, 0.05]), np.array([0.90, 0.10]), np.array([0.70, 0.20, 0.10])]
TRUE_U = [np.array([0.05, 0.15, 0.80]), np.array([0.10, 0.90]), np.array([0.02, 0.08, 0.90])]
TRUE_SHARE = 0.3


def generated_gamma(pairs: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Comparison vectors drawn from the model itself (10% of values missing)."""
    rng = np.random.default_rng(seed)
    is_match = rng.random(pairs) < TRUE_SHARE
    gamma = np.empty((pairs, len(TRUE_M)), dtype=np.int8)
    for column, (m, u) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        from_m = rng.choice(len(m), size=pairs, p=m)
        from_u = rng.choice(len(u), size=pairs, p=u)
        gamma[:, column] = np.where(is_match, from_m, from_u)
        gamma[rng.random(pairs) < 0.1, column] = -1
    return gamma, is_match


def parameters(m: list[np.ndarray], u: list[np.ndarray]) -> ModelParameters:
    labels = [[f"l{i}" for i in range(len(x))] for x in m]
    return ModelParameters(
        ["a", "b", "c"], labels, [x.copy() for x in m], [x.copy() for x in u], 0.01
    )


def test_em_converges_to_the_generating_m() -> None:
    gamma, _ = generated_gamma(60_000)
    start_m = [np.linspace(1.0, 0.2, len(m)) / np.linspace(1.0, 0.2, len(m)).sum() for m in TRUE_M]
    trained, share, iterations = expectation_maximisation(
        gamma,
        parameters(start_m, TRUE_U),
        used=[0, 1, 2],
        estimate=[0, 1, 2],
        config=ModelConfig(),
    )
    assert share == pytest.approx(TRUE_SHARE, abs=0.02)
    for estimated, true in zip(trained.m, TRUE_M, strict=True):
        np.testing.assert_allclose(estimated, true, atol=0.03)
    assert 1 < iterations < 100


def test_em_leaves_pinned_levels_alone() -> None:
    gamma, _ = generated_gamma(20_000)
    start = parameters([np.array([0.5, 0.3, 0.2]), TRUE_M[1], TRUE_M[2]], TRUE_U)
    trained, _, _ = expectation_maximisation(
        gamma, start, used=[0, 1, 2], estimate=[0], config=ModelConfig(), pinned_m={(0, 0)}
    )
    assert trained.m[0][0] == 0.5
    np.testing.assert_array_equal(trained.m[1], TRUE_M[1])


def test_u_by_random_sampling_matches_value_frequencies() -> None:
    rng = np.random.default_rng(3)
    values = [f"v{i}" for i in range(10)]
    left = {"x": list(rng.choice(values, size=500))}
    right = {"x": list(rng.choice(values, size=2000))}
    data = encode_pair([StringField("x")], left, right)
    comparison = Comparison(
        "x",
        levels=(
            ComparisonLevel("exact", Exact("x"), m=0.9, u=0.5),
            ComparisonLevel("else", Else(), m=0.1, u=0.5),
        ),
        null_fields=("x",),
    )
    config = ModelConfig(u_sample_pairs=200_000)
    params = starting_parameters([comparison], config)
    estimated = estimate_u(
        [comparison],
        lambda a, b: PairContext(data, a, b),
        params,
        config,
        sides=(500, 2000),
    )
    assert estimated.u[0][0] == pytest.approx(0.1, abs=0.01)
    assert estimated.m[0][0] == 0.9  # u sampling does not touch m


FAMILY = Comparison(
    "family",
    levels=(
        ComparisonLevel("exact", Exact("family"), m=0.9, u=0.1, tf=True),
        ComparisonLevel("else", Else(), m=0.1, u=0.9),
    ),
    null_fields=("family",),
    confidence="name",
)


def scored(left: list[str], right: list[str], pairs: list[tuple[int, int]], confidence=None):
    data = encode_pair(
        [StringField("family")],
        {"family": left},
        {"family": right},
        left_confidence={"name": confidence} if confidence else None,
    )
    index_left = np.array([p[0] for p in pairs])
    index_right = np.array([p[1] for p in pairs])
    ctx = PairContext(data, index_left, index_right)
    gamma = compare([FAMILY], ctx)
    config = ModelConfig()
    return score([FAMILY], starting_parameters([FAMILY], config), gamma, ctx, config)


def test_a_shared_common_family_name_says_less_than_a_rare_one() -> None:
    right = ["Nguyễn"] * 40 + ["Trần"] * 59 + ["Lý"]
    scores = scored(["Nguyễn", "Lý"], right, [(0, 0), (1, 99)])
    nguyen, ly = scores.contributions[:, 0]
    assert ly > nguyen
    mean = 0.4**2 + 0.59**2 + 0.01**2  # how often two random people share a family name
    assert nguyen == pytest.approx(np.log2(0.9 / 0.1) + np.log2(mean / 0.4), abs=1e-5)
    assert ly == pytest.approx(np.log2(0.9 / 0.1) + np.log2(mean / 0.01), abs=1e-5)
    assert scores.tf_adjustments[0, 0] == pytest.approx(np.log2(mean / 0.4), abs=1e-5)


def test_a_doubtful_reading_disagrees_more_softly() -> None:
    scores = scored(["Lê", "Lê"], ["Phạm"], [(0, 0), (1, 0)], confidence=[1.0, 0.5])
    confident, doubtful = scores.contributions[:, 0]
    assert confident == pytest.approx(np.log2(0.1 / 0.9), abs=1e-5)
    assert confident < np.log2(1 - 0.5) <= doubtful < 0
    assert scores.confidence[:, 0].tolist() == [1.0, 0.5]
    # agreement is not discounted
    agreeing = scored(["Lê"], ["Lê", "Phạm"], [(0, 0)], confidence=[0.5])
    assert agreeing.confidence[0, 0] == 1.0
    assert agreeing.contributions[0, 0] == pytest.approx(np.log2(0.9 / 0.1), abs=1e-5)


def test_total_is_prior_plus_contributions() -> None:
    scores = scored(["Lê", "Trần"], ["Lê", "Phạm"], [(0, 0), (1, 1)])
    expected = scores.contributions.sum(axis=1) + scores.prior_weight
    np.testing.assert_allclose(scores.total, expected, atol=1e-5)


def test_labels_pull_m_towards_what_stewards_saw() -> None:
    params = parameters(TRUE_M, TRUE_U)
    gamma = np.array([[2, 1, 2]] * 200 + [[0, 0, 0]] * 50, dtype=np.int8)
    is_match = np.array([True] * 200 + [False] * 50)
    refined = refine_from_labels(params, gamma, is_match, pseudo_count=50)
    assert refined.m[0][2] == pytest.approx((200 + 50 * 0.05) / 250)
    assert refined.m[0].sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(refined.u[0], TRUE_U[0])  # u left alone by default
    assert params.m[0][2] == 0.05  # the input is not changed


def test_pins_override_and_unknown_pins_are_refused() -> None:
    config = ModelConfig(pinned={"family": {"exact": PinnedLevel(m=0.5, u=0.2)}})
    params = starting_parameters([FAMILY], config)
    assert params.m[0][0] == 0.5 and params.u[0][0] == 0.2
    with pytest.raises(ConfigurationError, match="not in the model"):
        starting_parameters([FAMILY], ModelConfig(pinned={"nope": {"x": PinnedLevel(m=0.5)}}))
    with pytest.raises(ConfigurationError, match="not in the model"):
        starting_parameters([FAMILY], ModelConfig(pinned={"family": {"x": PinnedLevel(m=0.5)}}))


def test_parameters_round_trip_through_json() -> None:
    params = parameters(TRUE_M, TRUE_U)
    again = ModelParameters.from_dict(params.to_dict())
    assert again.version == params.version
    np.testing.assert_allclose(again.m[2], TRUE_M[2])


def test_term_frequencies_learned_on_the_population_serve_a_subset() -> None:
    whole = ["Nguyễn"] * 40 + ["Trần"] * 59 + ["Lý"]
    data = encode_pair([StringField("family")], {"family": ["Nguyễn"]}, {"family": whole})
    config = ModelConfig()
    params = learn_term_frequencies([FAMILY], data, starting_parameters([FAMILY], config))
    assert params.term_frequencies["family:exact"]["Nguyễn"] == pytest.approx(0.4)
    # candidates of a batch: a few people only, where Nguyễn looks no commoner than others
    subset = encode_pair(
        [StringField("family")], {"family": ["Nguyễn"]}, {"family": ["Nguyễn", "Lý", "Lê", "Mai"]}
    )
    ctx = PairContext(subset, np.array([0]), np.array([0]))
    gamma = compare([FAMILY], ctx)
    learned = score([FAMILY], params, gamma, ctx, config).contributions[0, 0]
    naive = score([FAMILY], starting_parameters([FAMILY], config), gamma, ctx, config)
    mean = 0.4**2 + 0.59**2 + 0.01**2
    assert learned == pytest.approx(np.log2(0.9 / 0.1) + np.log2(mean / 0.4), abs=1e-5)
    assert naive.contributions[0, 0] == pytest.approx(np.log2(0.9 / 0.1), abs=1e-5)  # no skew seen
    again = ModelParameters.from_dict(params.to_dict(with_term_frequencies=True))
    assert again.term_frequencies == params.term_frequencies
