"""Matching benchmark: civreg against Splink and recordlinkage, same data, same run.

``python -m bench.match [--quick] [--skip-scale]`` prints one line per measurement and, last,
one JSON object with every figure:

1. FEBRL4 (``recordlinkage.datasets.load_febrl4``, 5,000 x 5,000, 5,000 true links): F1 of
   civreg, of Splink 5 (DuckDB) and of recordlinkage's ECM classifier;
2. a synthetic district (``synth.district``): register entries against the population
   extract, top-1 F1 and wall time of civreg and of Splink;
3. scale: many entries against a large population (civreg only): time, recall, precision,
   peak memory.

Splink and recordlinkage are bench-only extras (``pip install -e '.[bench]'``). Each method gets
the same blocking keys where it can express them; F1 counts a predicted link right only when it
is the true pair. One-to-one (a record has one true person) is applied to every method alike in
the ``one_to_one`` figures, so the models are compared, not the post-processing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import resource
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matching.blocking import BlockingRule, KeyPart
from matching.comparisons import (
    Comparison,
    ComparisonLevel,
    DateAgrees,
    EditsAtMost,
    Else,
    Exact,
    SimilarityAtLeast,
    YearsApartAtMost,
)
from matching.engine import LinkSpec, encode, estimate_model, predict
from matching.frame import DateField, StringField
from matching.model import ModelConfig, TrainingSession

log = logging.getLogger("bench.match")
THRESHOLD = 0.5
"""Match probability from which a pair counts as a predicted link, for every method."""


# --- shared scoring -------------------------------------------------------------------------


@dataclass
class Scored:
    """Scored candidate pairs of any method, as (left id, right id, match probability)."""

    left: np.ndarray
    right: np.ndarray
    probability: np.ndarray


def one_to_one(scored: Scored, threshold: float = THRESHOLD) -> set[tuple[Any, Any]]:
    """Greedy one-to-one assignment, best pair first, among pairs above the threshold."""
    keep = scored.probability >= threshold
    order = np.argsort(-scored.probability[keep], kind="stable")
    lefts, rights = scored.left[keep][order].tolist(), scored.right[keep][order].tolist()
    used_left: set = set()
    used_right: set = set()
    links = set()
    for left, right in zip(lefts, rights, strict=True):
        if left in used_left or right in used_right:
            continue
        used_left.add(left)
        used_right.add(right)
        links.add((left, right))
    return links


def thresholded(scored: Scored, threshold: float = THRESHOLD) -> set[tuple[Any, Any]]:
    keep = scored.probability >= threshold
    return set(zip(scored.left[keep].tolist(), scored.right[keep].tolist(), strict=True))


def f1_figures(predicted: set, truth: set) -> dict[str, float]:
    true_positive = len(predicted & truth)
    precision = true_positive / len(predicted) if predicted else 0.0
    recall = true_positive / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def peak_memory_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def say(text: str) -> None:
    print(text, flush=True)


# --- FEBRL4 ---------------------------------------------------------------------------------


def _lower(text: str) -> str:
    return text.strip().lower()


FEBRL_FIELDS = (
    StringField("given_name", fold=_lower),
    StringField("surname", fold=_lower),
    StringField("street_number"),
    StringField("address_1", fold=_lower),
    StringField("address_2", fold=_lower),
    StringField("suburb", fold=_lower),
    StringField("postcode"),
    StringField("state"),
    StringField("dob_text"),
    DateField("dob"),
    StringField("soc_sec_id"),
)


def _name_levels(field: str) -> tuple[ComparisonLevel, ...]:
    return (
        ComparisonLevel("exact", Exact(field), m=0.85, u=0.01, tf=True),
        ComparisonLevel("jw_0.92", SimilarityAtLeast(field, "jaro_winkler", 0.92), m=0.08, u=0.01),
        ComparisonLevel("jw_0.80", SimilarityAtLeast(field, "jaro_winkler", 0.8), m=0.04, u=0.05),
        ComparisonLevel("else", Else(), m=0.03, u=0.93),
    )


def _text_levels(field: str) -> tuple[ComparisonLevel, ...]:
    return (
        ComparisonLevel("exact", Exact(field), m=0.85, u=0.01),
        ComparisonLevel("jw_0.90", SimilarityAtLeast(field, "jaro_winkler", 0.9), m=0.08, u=0.02),
        ComparisonLevel("jw_0.70", SimilarityAtLeast(field, "jaro_winkler", 0.7), m=0.04, u=0.1),
        ComparisonLevel("else", Else(), m=0.03, u=0.87),
    )


def _code_levels(field: str) -> tuple[ComparisonLevel, ...]:
    return (
        ComparisonLevel("exact", Exact(field), m=0.9, u=0.01),
        ComparisonLevel("one_edit", EditsAtMost(field, 1), m=0.07, u=0.05),
        ComparisonLevel("else", Else(), m=0.03, u=0.94),
    )


FEBRL_COMPARISONS = (
    Comparison("given_name", _name_levels("given_name"), ("given_name",)),
    Comparison("surname", _name_levels("surname"), ("surname",)),
    Comparison(
        "date_of_birth",
        (
            ComparisonLevel("exact", Exact("dob_text"), m=0.85, u=0.0001),
            ComparisonLevel("one_edit", EditsAtMost("dob_text", 1), m=0.08, u=0.002),
            ComparisonLevel("swapped", DateAgrees("dob", "day_month_swapped"), m=0.01, u=0.0001),
            ComparisonLevel("two_edits", EditsAtMost("dob_text", 2), m=0.03, u=0.02),
            ComparisonLevel("within_a_year", YearsApartAtMost("dob", 1), m=0.01, u=0.03),
            ComparisonLevel("else", Else(), m=0.02, u=0.95),
        ),
        ("dob_text",),
    ),
    Comparison("soc_sec_id", _code_levels("soc_sec_id"), ("soc_sec_id",)),
    Comparison(
        "street_number",
        (
            ComparisonLevel("exact", Exact("street_number"), m=0.9, u=0.02),
            ComparisonLevel("else", Else(), m=0.1, u=0.98),
        ),
        ("street_number",),
    ),
    Comparison("address_1", _text_levels("address_1"), ("address_1",)),
    Comparison("address_2", _text_levels("address_2"), ("address_2",)),
    Comparison("suburb", _text_levels("suburb"), ("suburb",)),
    Comparison("postcode", _code_levels("postcode"), ("postcode",)),
    Comparison(
        "state",
        (
            ComparisonLevel("exact", Exact("state"), m=0.95, u=0.3),
            ComparisonLevel("else", Else(), m=0.05, u=0.7),
        ),
        ("state",),
    ),
)

FEBRL_BLOCKING = (
    BlockingRule("given_name", (KeyPart("given_name"),), max_block_size=500),
    BlockingRule("surname", (KeyPart("surname"),), max_block_size=500),
    BlockingRule("dob", (KeyPart("dob_text"),), max_block_size=500),
    BlockingRule("soc_sec_id", (KeyPart("soc_sec_id"),), max_block_size=500),
    BlockingRule(
        "postcode+street_number",
        (KeyPart("postcode"), KeyPart("street_number")),
        max_block_size=500,
    ),
    BlockingRule(
        "suburb+surname3", (KeyPart("suburb"), KeyPart("surname", "prefix")), max_block_size=500
    ),
)

FEBRL_SPEC = LinkSpec(
    fields=FEBRL_FIELDS,
    comparisons=FEBRL_COMPARISONS,
    blocking_rules=FEBRL_BLOCKING,
    training=(
        TrainingSession(
            BlockingRule("train:dob", (KeyPart("dob_text"),), max_block_size=200),
            skip=("date_of_birth",),
        ),
        TrainingSession(
            BlockingRule(
                "train:names", (KeyPart("given_name"), KeyPart("surname")), max_block_size=200
            ),
            skip=("given_name", "surname"),
        ),
    ),
)

FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


def _febrl_iso(text: Any) -> str | None:
    if not isinstance(text, str) or len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return None


def _febrl_columns(frame) -> dict[str, list]:
    def text(values: Iterable) -> list[str | None]:
        return [v.strip() if isinstance(v, str) and v.strip() else None for v in values]

    columns = {name: text(frame[name]) for name in FEBRL_COLUMNS if name != "date_of_birth"}
    columns["dob_text"] = text(frame["date_of_birth"])
    columns["dob"] = [_febrl_iso(v) for v in frame["date_of_birth"]]
    return columns


def civreg_febrl(left_frame, right_frame, truth: set) -> tuple[Scored, dict]:
    left_ids = np.asarray(left_frame.index)
    right_ids = np.asarray(right_frame.index)
    right_row = {rec_id: row for row, rec_id in enumerate(right_ids)}
    true_right = dict(truth)
    truth_rows = np.array([right_row.get(true_right.get(rec_id), -1) for rec_id in left_ids])
    started = time.perf_counter()
    data = encode(FEBRL_SPEC, _febrl_columns(left_frame), _febrl_columns(right_frame))
    model = estimate_model(FEBRL_SPEC, data, ModelConfig(prior_match_rate=1.0))
    predictions = predict(model, data, top_k=5, truth=truth_rows)
    seconds = time.perf_counter() - started
    scored = Scored(
        left_ids[predictions.left_index],
        right_ids[predictions.right_index],
        predictions.probability,
    )
    return scored, {"seconds": round(seconds, 2), "blocking": predictions.blocked.report()}


def splink_febrl(left_frame, right_frame) -> tuple[Scored, dict]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    frames = []
    for frame in (left_frame, right_frame):
        copy = frame.reset_index().rename(columns={"rec_id": "unique_id"})
        frames.append(copy)
    db_api = DuckDBAPI()
    db_api._execute_sql_against_backend("SET threads TO 2")
    left_table = db_api.register(frames[0], table_name="febrl_a")
    right_table = db_api.register(frames[1], table_name="febrl_b")
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
            block_on("suburb", "substr(surname, 1, 3)"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker([left_table, right_table], settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    table = predictions.as_pandas_dataframe()
    seconds = time.perf_counter() - started
    left_is_a = table["source_dataset_l"] == "febrl_a"
    left = np.where(left_is_a, table["unique_id_l"], table["unique_id_r"])
    right = np.where(left_is_a, table["unique_id_r"], table["unique_id_l"])
    scored = Scored(left, right, table["match_probability"].to_numpy())
    return scored, {"seconds": round(seconds, 2)}


def recordlinkage_febrl(left_frame, right_frame) -> tuple[set, dict]:
    import recordlinkage as rl

    started = time.perf_counter()
    indexer = rl.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        indexer.block(column)
    pairs = indexer.index(left_frame, right_frame)
    compare = rl.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("soc_sec_id", "soc_sec_id")
    compare.exact("street_number", "street_number")
    compare.string("address_1", "address_1", method="levenshtein", threshold=0.85)
    compare.exact("suburb", "suburb")
    compare.exact("postcode", "postcode")
    compare.exact("state", "state")
    features = compare.compute(pairs, left_frame, right_frame)
    classifier = rl.ECMClassifier(binarize=0.5)
    links = classifier.fit_predict(features)
    seconds = time.perf_counter() - started
    return set(links.tolist()), {"seconds": round(seconds, 2), "pairs": len(pairs)}


def run_febrl() -> dict:
    from recordlinkage.datasets import load_febrl4

    left_frame, right_frame, true_links = load_febrl4(return_links=True)
    truth = set(true_links.tolist())
    figures: dict[str, Any] = {"true_links": len(truth)}

    civreg, info = civreg_febrl(left_frame, right_frame, truth)
    figures["civreg"] = {
        **f1_figures(one_to_one(civreg), truth),
        "threshold_only": f1_figures(thresholded(civreg), truth),
        "seconds": info["seconds"],
        "blocking_recall": info["blocking"]["recall"],
        "pairs": info["blocking"]["pairs"],
    }
    say(f"FEBRL4 civreg         {figures['civreg']}")

    splink, info = splink_febrl(left_frame, right_frame)
    figures["splink"] = {
        **f1_figures(thresholded(splink), truth),
        "one_to_one": f1_figures(one_to_one(splink), truth),
        "seconds": info["seconds"],
    }
    say(f"FEBRL4 splink         {figures['splink']}")

    links, info = recordlinkage_febrl(left_frame, right_frame)
    figures["recordlinkage_ecm"] = {**f1_figures(links, truth), **info}
    say(f"FEBRL4 recordlinkage  {figures['recordlinkage_ecm']}")
    return figures


# --- synthetic district ---------------------------------------------------------------------


@dataclass
class DistrictData:
    """Register entries (normalized, as match records) and the population extract."""

    records: list  # list[MatchRecord]
    truth: list[str | None]
    population: Any  # PopulationFrame
    normalize_seconds: float
    generate_seconds: float


def load_district(people: int, entries: int, seed: int, workdir: Path) -> DistrictData:
    """Generate a district, normalize a seeded sample of its entries, read its extract."""
    import csv
    import random

    from matching.civil import PopulationFrame, match_records
    from normalize.records import NormalizeOptions, normalize_entry
    from schemas.enums import PageShape
    from schemas.records import RawEntry, RawField
    from schemas.values import Provenance
    from synth.books import ABSENT
    from synth.district import DistrictOptions, generate_district, write_district

    started = time.perf_counter()
    wards = max(1, min(8, people // 25_000))
    district = generate_district(DistrictOptions(people=people, seed=seed, wards=wards))
    write_district(district, workdir)
    generate_seconds = time.perf_counter() - started

    with (workdir / "population.csv").open(encoding="utf-8", newline="") as handle:
        population = PopulationFrame.from_rows(
            {name: (value or None) for name, value in row.items()} for row in csv.DictReader(handle)
        )
    books_entries = [(book, entry) for book in district.books for entry in book.entries]
    sample = random.Random(seed).sample(books_entries, min(entries, len(books_entries)))
    started = time.perf_counter()
    options = NormalizeOptions(today=dt.date(2026, 11, 27))
    records, truth = [], []
    for index, (book, entry) in enumerate(sample):
        raw = RawEntry(
            entry_id=entry.entry_key,
            register_type=book.register_type,
            page_shape=PageShape.BORN_DIGITAL,
            fields={name: RawField(text=text) for name, text in entry.written.items() if text},
            book_ward=book.ward_written,
            book_year=book.year,
            provenance=Provenance(
                batch_id="bench",
                source_path=f"{book.book_id}.json",
                source_sha256="0" * 64,
                page_number=1,
                row_index=index + 1,
            ),
        )
        result = normalize_entry(raw, options)
        for party in match_records(result.record):
            records.append(party)
            true_id = entry.true_personal_ids.get(party.party.value, ABSENT)
            truth.append(None if true_id == ABSENT else true_id)
    return DistrictData(records, truth, population, time.perf_counter() - started, generate_seconds)


def top1_figures(best: dict[int, tuple[str, float]], truth: list[str | None]) -> dict:
    """Top-1 F1: the best candidate at p >= 0.5 is the prediction of a record party."""
    true_positive = false_positive = false_negative = 0
    for index, true_id in enumerate(truth):
        predicted = best.get(index)
        predicted_id = predicted[0] if predicted and predicted[1] >= THRESHOLD else None
        true_positive += predicted_id is not None and predicted_id == true_id
        false_positive += predicted_id is not None and predicted_id != true_id
        false_negative += true_id is not None and predicted_id != true_id
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def blocking_recall(data: DistrictData) -> dict:
    """Share of in-DB record parties whose true person is among the blocked pairs (untimed)."""
    from matching.blocking import block
    from matching.civil import CIVIL_BLOCKING_RULES
    from matching.link import encode_civil

    row_of = {pid: row for row, pid in enumerate(data.population.personal_id)}
    truth = np.array([row_of.get(t, -1) if t else -1 for t in data.truth])
    blocked = block(encode_civil(data.records, data.population), CIVIL_BLOCKING_RULES, truth=truth)
    return {
        "union": round(blocked.recall or 0.0, 5),
        **{rule.name: round(rule.recall or 0.0, 4) for rule in blocked.rules},
    }


def civreg_district(data: DistrictData) -> dict:
    from matching.decide import MatchOutcome
    from matching.link import link, train_civil_model

    population = data.population
    started = time.perf_counter()
    model = train_civil_model(data.records, population)
    trained = time.perf_counter()
    result = link(data.records, population, model)
    seconds = time.perf_counter() - started
    best = {}
    for index, decision in enumerate(result.decisions):
        eligible = [c for c in decision.candidates if c.excluded is None]
        if eligible:
            best[index] = (eligible[0].personal_id, eligible[0].probability)
    auto = [
        (d.personal_id, t)
        for d, t in zip(result.decisions, data.truth, strict=True)
        if d.outcome is MatchOutcome.AUTO_LINKED
    ]
    return {
        "blocking_recall": blocking_recall(data),
        **top1_figures(best, data.truth),
        "seconds": round(seconds, 2),
        "train_seconds": round(trained - started, 2),
        "outcomes": result.by_outcome(),
        "auto_link_precision": round(sum(p == t for p, t in auto) / max(len(auto), 1), 5),
        "pairs": result.blocking.get("pairs"),
        "capped_rows": sum(rule["capped_left_rows"] for rule in result.blocking.get("rules", [])),
    }


def _splink_columns(columns: dict[str, list], ids: list) -> dict[str, list]:
    from matching.text import fold, surname_equivalence_key

    def folded(values: list) -> list:
        return [fold(v) if v else None for v in values]

    dates = columns["date_of_birth"]
    return {
        "unique_id": ids,
        "personal_id": columns["personal_id"],
        "family_key": [surname_equivalence_key(v) if v else None for v in columns["family"]],
        "given_fold": folded(columns["given"]),
        "middle_fold": folded(columns["middle"]),
        "full_key": columns["full_key"],
        "dob": [d if d and len(d) == 10 else None for d in dates],
        "birth_year": [int(d[:4]) if d else None for d in dates],
        "sex": columns["sex"],
        "mother_key": folded(columns["mother"]),
        "father_key": folded(columns["father"]),
        "ward": columns["ward"],
    }


def splink_district(data: DistrictData) -> dict:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from matching.civil import population_columns, record_columns

    started = time.perf_counter()
    left_columns, _ = record_columns(data.records)
    left = pd.DataFrame(_splink_columns(left_columns, list(range(len(data.records)))))
    right = pd.DataFrame(
        _splink_columns(
            population_columns(data.population),
            list(range(len(data.records), len(data.records) + len(data.population))),
        )
    )
    db_api = DuckDBAPI()
    db_api._execute_sql_against_backend("SET threads TO 2")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.LevenshteinAtThresholds("personal_id", [1]),
            cl.NameComparison("family_key").configure(term_frequency_adjustments=True),
            cl.NameComparison("given_fold").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("middle_fold", [2]),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("mother_key", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("father_key", [0.9, 0.7]),
            cl.ExactMatch("ward"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("personal_id"),
            "l.family_key = r.family_key and l.given_fold = r.given_fold "
            "and abs(l.birth_year - r.birth_year) <= 1",
            block_on("dob", "family_key"),
            block_on("dob", "given_fold"),
            block_on("mother_key", "birth_year"),
            block_on("full_key"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(
        [db_api.register(left, table_name="entries"), db_api.register(right, table_name="people")],
        settings,
        log_level=logging.WARNING,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("personal_id"), block_on("full_key", "dob")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_key", "given_fold")
    )
    table = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    left_is_entry = table["source_dataset_l"] == "entries"
    entry = np.where(left_is_entry, table["unique_id_l"], table["unique_id_r"])
    person = np.where(left_is_entry, table["unique_id_r"], table["unique_id_l"])
    best_rows = (
        pd.DataFrame({"entry": entry, "person": person, "p": table["match_probability"]})
        .sort_values("p", ascending=False)
        .drop_duplicates("entry")
    )
    offset = len(data.records)
    best = {
        int(e): (data.population.personal_id[int(p) - offset], float(prob))
        for e, p, prob in best_rows.itertuples(index=False)
    }
    return {**top1_figures(best, data.truth), "seconds": round(seconds, 2)}


def run_district(people: int, entries: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-match-") as folder:
        data = load_district(people, entries, seed, Path(folder))
    figures: dict[str, Any] = {
        "people": len(data.population),
        "entries": entries,
        "record_parties": len(data.records),
        "in_db": sum(t is not None for t in data.truth),
        "generate_seconds": round(data.generate_seconds, 1),
        "normalize_seconds": round(data.normalize_seconds, 1),
    }
    gc.collect()
    figures["civreg"] = civreg_district(data)
    say(f"district civreg       {figures['civreg']}")
    gc.collect()
    figures["splink"] = splink_district(data)
    say(f"district splink       {figures['splink']}")
    figures["time_ratio_civreg_over_splink"] = round(
        figures["civreg"]["seconds"] / max(figures["splink"]["seconds"], 1e-9), 3
    )
    return figures


# --- scale ----------------------------------------------------------------------------------


def _strip_marks(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_VARIANTS = {"Hoàng": "Huỳnh", "Huỳnh": "Hoàng", "Vũ": "Võ", "Võ": "Vũ"}


def scale_data(people: int, entries: int, seed: int) -> DistrictData:
    """A large population (names drawn as :mod:`synth.names` does) and noisy entries of it.

    Entries are built directly as match records with the discrepancy rates of
    ``synth.district.DiscrepancyRates`` (diacritics dropped, typos, dropped middle names,
    Huỳnh/Hoàng, day/month swaps, year-only dates, missing IDs, people absent from the DB).
    """
    import random

    from matching.civil import MatchRecord, PopulationFrame, address_units
    from matching.text import name_parts
    from schemas.enums import RegisterType, Sex
    from schemas.personal_id import generate_personal_id
    from schemas.store import Party
    from schemas.values import PartialDate
    from synth.admin import load_atlas
    from synth.names import draw_name

    started = time.perf_counter()
    rng = random.Random(seed)
    wards = sorted(load_atlas().new_wards.values(), key=lambda w: w.key)
    rows = []
    for _ in range(people):
        sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
        year = rng.randint(1930, 2025)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        dob = f"{year:04d}-{month:02d}-{day:02d}"
        if year < 1960 and rng.random() < 0.1:
            dob = f"{year:04d}"
        name = draw_name(rng, sex, year)
        father = draw_name(rng, Sex.MALE, year - 28, family=name.family)
        mother = draw_name(rng, Sex.FEMALE, year - 25)
        ward = rng.choice(wards)
        rows.append(
            (
                generate_personal_id(rng, sex=sex, birth_year=year),
                name.full,
                dob,
                sex.value,
                mother.full if year > 1975 else None,
                father.full if year > 1975 else None,
                ward.address(f"Tổ dân phố {rng.randint(1, 40)}"),
                None,
            )
        )
    population = PopulationFrame.from_rows(rows)
    records, truth = [], []
    for index in range(entries):
        absent = rng.random() < 0.03
        if absent:
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            year = rng.randint(1930, 2025)
            dob_text = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            row = ("", draw_name(rng, sex, year).full, dob_text, sex.value, None, None, None, None)
        else:
            row = rows[rng.randrange(people)]
        pid, full_name, dob_text, sex_text, mother, _, residence, _ = row
        words = full_name.split()
        if words[0] in _VARIANTS and rng.random() < 0.2:
            words[0] = _VARIANTS[words[0]]
        if len(words) > 2 and rng.random() < 0.03:
            words = [words[0], words[-1]]
        written = " ".join(words)
        if rng.random() < 0.03:
            written = _strip_marks(written)
        if rng.random() < 0.02:
            position = rng.randrange(len(written))
            written = written[:position] + rng.choice("aehnotu") + written[position + 1 :]
        date = PartialDate.parse(dob_text)
        if date.day and date.day <= 12 and rng.random() < 0.02:
            date = PartialDate(year=date.year, month=date.day, day=date.month)
        elif rng.random() < 0.03:
            date = PartialDate(year=date.year)
        written_pid = pid if pid and rng.random() < 0.4 else None
        if written_pid and rng.random() < 0.02:
            position = rng.randrange(6, 12)
            digit = str(rng.randrange(10))
            written_pid = written_pid[:position] + digit + written_pid[position + 1 :]
        ward_key, province_key = address_units(residence)
        records.append(
            MatchRecord(
                record_id=f"e{index:07d}",
                party=Party.SUBJECT,
                register_type=RegisterType.BIRTH if index % 2 else RegisterType.DEATH,
                name=name_parts(written),
                date_of_birth=date,
                sex=Sex(sex_text),
                personal_id=written_pid,
                mother_name=name_parts(mother) if mother and rng.random() < 0.3 else None,
                ward_key=ward_key if rng.random() < 0.8 else None,
                province_key=province_key,
            )
        )
        truth.append(None if absent else pid)
    return DistrictData(records, truth, population, 0.0, time.perf_counter() - started)


def run_scale(people: int, entries: int, seed: int) -> dict:
    """Generate, then link with civreg alone: time (population preparation, training and
    linking, all counted in ``seconds``), accuracy, peak memory of the process."""
    from matching.civil import CIVIL_FIELDS
    from matching.link import link, train_civil_model

    data = scale_data(people, entries, seed)
    gc.collect()
    memory_before = peak_memory_gib()
    started = time.perf_counter()
    data.population.encoding(CIVIL_FIELDS)  # once per population: names split, values coded
    prepared = time.perf_counter()
    model = train_civil_model(data.records, data.population)
    trained = time.perf_counter()
    result = link(data.records, data.population, model)
    seconds = time.perf_counter() - started
    best = {}
    for index, decision in enumerate(result.decisions):
        eligible = [c for c in decision.candidates if c.excluded is None]
        if eligible:
            best[index] = (eligible[0].personal_id, eligible[0].probability)
    return {
        "people": people,
        "entries": entries,
        "generate_seconds": round(data.generate_seconds, 1),
        **top1_figures(best, data.truth),
        "seconds": round(seconds, 2),
        "population_prep_seconds": round(prepared - started, 2),
        "train_seconds": round(trained - prepared, 2),
        "link_seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        "pairs": result.blocking.get("pairs"),
        "capped_rows": sum(rule["capped_left_rows"] for rule in result.blocking.get("rules", [])),
        "outcomes": result.by_outcome(),
        "blocking_recall": blocking_recall(data)["union"],
        "peak_memory_gib_before": round(memory_before, 2),
        "peak_memory_gib": round(peak_memory_gib(), 2),
    }


def _run_scale_in_child(people: int, entries: int, seed: int) -> dict:
    """In a fresh process, so that its peak memory is its own."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(run_scale, (people, entries, seed))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.match", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Small sizes, a minute or two.")
    parser.add_argument("--skip-scale", action="store_true", help="Skip the large-scale run.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("splink").setLevel(logging.WARNING)
    figures: dict[str, Any] = {"quick": args.quick}
    figures["febrl4"] = run_febrl()
    if args.quick:
        figures["district"] = run_district(people=20_000, entries=2_000, seed=5)
    else:
        figures["district"] = run_district(people=110_000, entries=10_000, seed=5)
    if not args.skip_scale:
        people, entries = (100_000, 10_000) if args.quick else (1_000_000, 100_000)
        figures["scale"] = _run_scale_in_child(people, entries, seed=11)
        say(f"scale civreg          {figures['scale']}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
