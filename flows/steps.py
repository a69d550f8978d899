"""The pipeline's steps as plain functions over the work store: what each Prefect task runs.

Each step takes a :class:`PipelineContext` (settings, the two engines, typed options) and
ids, reads its input from the work store, calls the stage functions (``ocr``, ``normalize``,
``matching``) and writes the result back through ``store``. Steps know nothing of Prefect, so
they run the same from a flow, a test or a shell; every write is idempotent, so a step can be
re-run after a crash without duplicating anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import cv2
from pydantic import BaseModel
from sqlalchemy import Engine

from civreg.db import shared_engine
from civreg.errors import InputFileError
from civreg.migrate import upgrade_population, upgrade_store
from civreg.settings import Settings
from matching.civil import match_records
from matching.decide import MatchOutcome, PriorDecision
from matching.link import LinkOptions, link, select_for_relink, train_civil_model
from matching.population import PopulationAdapter
from normalize.records import NormalizeOptions, normalize_entries
from ocr.engine import TesseractEngine
from ocr.extract import PageExtraction, extract_page
from ocr.ingest import ingest_batch
from ocr.options import OcrOptions
from ocr.pages import PageImage, PageSource, load_page
from ocr.sniff import FileKind
from schemas.enums import BatchStatus, QuarantineReason
from schemas.records import CivilRecordBase
from store.batches import (
    DocumentKey,
    StoredDocument,
    mark_document_extracted,
    pending_documents,
    processed_hashes,
    quarantine_document,
    record_ingest,
    register_batch,
    set_batch_status,
)
from store.entries import PageMeta, load_raw_entries, save_page_extraction
from store.matches import (
    CandidateScore,
    CandidateSet,
    DecisionInput,
    append_decisions,
    latest_decisions,
    save_candidates,
)
from store.records import load_records, save_records
from store.runs import get_watermark, set_watermark
from store.thresholds import DEFAULT_VERSION, thresholds_in_force

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineContext:
    """Everything a step needs, built once per process from the settings."""

    settings: Settings

    @cached_property
    def store(self) -> Engine:
        return shared_engine(self.settings.resolved_store_url)

    @cached_property
    def population(self) -> Engine:
        return shared_engine(self.settings.resolved_population_url)

    @cached_property
    def ocr_options(self) -> OcrOptions:
        return OcrOptions.from_settings(self.settings)

    @cached_property
    def normalize_options(self) -> NormalizeOptions:
        return NormalizeOptions()

    @property
    def overlay_dir(self) -> Path:
        return self.settings.var_dir / "overlays"


def prepare_stores(context: PipelineContext) -> None:
    """Bring both databases to the current schema (a no-op when they are)."""
    upgrade_store(context.settings.resolved_store_url)
    upgrade_population(context.settings.resolved_population_url)


class IngestSummary(BaseModel):
    """What ingest found, and the pages still to read."""

    batch_id: str
    documents: int
    quarantined: int
    duplicates: int
    pages: list[PageJob]


class PageJob(BaseModel):
    """One page to read: small and picklable, so it travels to any worker."""

    batch_id: str
    batch_dir: str
    relative_path: str
    sha256: str
    kind: str
    page_number: int
    page_count: int

    def source(self) -> PageSource:
        return PageSource(
            path=Path(self.batch_dir) / self.relative_path,
            relative_path=self.relative_path,
            sha256=self.sha256,
            kind=FileKind(self.kind),
            page_number=self.page_number,
        )

    @property
    def document(self) -> DocumentKey:
        return DocumentKey(self.batch_id, self.relative_path)


IngestSummary.model_rebuild()


def _page_jobs(batch_dir: Path, documents: list[StoredDocument]) -> list[PageJob]:
    return [
        PageJob(
            batch_id=document.batch_id,
            batch_dir=str(batch_dir),
            relative_path=document.relative_path,
            sha256=document.sha256,
            kind=document.sniffed_type or "",
            page_number=number,
            page_count=document.page_count or 0,
        )
        for document in documents
        for number in range(1, (document.page_count or 0) + 1)
    ]


def ingest_step(context: PipelineContext, batch_dir: Path, batch_id: str) -> IngestSummary:
    """Hash, sniff and validate the batch's files; record them; list the pages left to read.

    Documents a dead run left half-read are listed again: their pages are re-read and re-saved
    by entry id, which duplicates nothing.
    """
    register_batch(context.store, batch_id, batch_dir)
    set_batch_status(context.store, batch_id, BatchStatus.PROCESSING)
    result = ingest_batch(
        batch_dir, context.ocr_options, processed_hashes(context.store), batch_id=batch_id
    )
    record_ingest(context.store, result)
    pending = pending_documents(context.store, batch_id)
    return IngestSummary(
        batch_id=batch_id,
        documents=len(result.documents),
        quarantined=len(result.quarantined),
        duplicates=len(result.duplicates),
        pages=_page_jobs(batch_dir, pending),
    )


class PageOutcome(BaseModel):
    """What reading one page gave (counts only: entries are in the work store)."""

    relative_path: str
    page_number: int
    entries: int = 0
    page_shape: str | None = None
    not_understood: str | None = None
    failed: str | None = None


@dataclass
class _EngineCache:
    engines: dict[tuple[str, str], TesseractEngine] = field(default_factory=dict)

    def get(self, options: OcrOptions) -> TesseractEngine:
        key = (options.tesseract_cmd, options.language)
        if key not in self.engines:
            self.engines[key] = TesseractEngine(options)
        return self.engines[key]


_ENGINES = _EngineCache()


def read_page_step(context: PipelineContext, job: PageJob) -> PageOutcome:
    """Read one page (text layer or OCR) and save its raw entries.

    A page that cannot be decoded quarantines its document with the reason, and the rest of
    the batch goes on; a page whose layout is not understood is saved with no entries and its
    reason, never guessed.
    """
    options = context.ocr_options
    if options.workers > 1:
        # Pages are read side by side, one per core, like Tesseract (OMP_THREAD_LIMIT=1):
        # OpenCV's own threads would only contend with the other workers. Measured on 60
        # generated pages: the same results for 10% less CPU per page.
        cv2.setNumThreads(1)
    try:
        page = load_page(job.source(), options)
        # Born-digital pages need no Tesseract at all: do not even require it for them.
        engine = _ENGINES.get(options) if isinstance(page, PageImage) else None
        extraction: PageExtraction = extract_page(page, options, engine, batch_id=job.batch_id)
    except InputFileError as exc:
        log.warning("page %d of %s unreadable: %s", job.page_number, job.relative_path, exc)
        quarantine_document(context.store, job.document, QuarantineReason.CORRUPT, str(exc))
        return PageOutcome(
            relative_path=job.relative_path, page_number=job.page_number, failed=str(exc)
        )
    save_page_extraction(
        context.store,
        job.document,
        PageMeta(
            page_number=job.page_number,
            page_shape=extraction.page_shape,
            dpi=extraction.dpi,
            width=extraction.width or None,
            height=extraction.height or None,
            skew_angle=extraction.skew_degrees,
        ),
        extraction.entries,
    )
    if extraction.not_understood:
        log.warning(
            "page %d of %s: layout not understood: %s",
            job.page_number,
            job.relative_path,
            extraction.not_understood,
        )
    return PageOutcome(
        relative_path=job.relative_path,
        page_number=job.page_number,
        entries=len(extraction.entries),
        page_shape=extraction.page_shape.value if extraction.page_shape else None,
        not_understood=extraction.not_understood,
    )


def finish_documents_step(
    context: PipelineContext, summary: IngestSummary, outcomes: list[PageOutcome]
) -> None:
    """Mark each document whose every page was read as extracted."""
    failed = {o.relative_path for o in outcomes if o.failed}
    read: dict[str, set[int]] = {}
    for outcome in outcomes:
        read.setdefault(outcome.relative_path, set()).add(outcome.page_number)
    for job in summary.pages:
        if job.page_number != job.page_count or job.relative_path in failed:
            continue
        if read.get(job.relative_path, set()) >= set(range(1, job.page_count + 1)):
            mark_document_extracted(context.store, job.document)


class NormalizeSummary(BaseModel):
    """How many entries became records, and how many of those carry a blocking issue."""

    records: int
    with_blocking_issues: int
    inserted: int
    updated: int


def normalize_step(context: PipelineContext, batch_id: str) -> NormalizeSummary:
    """Normalize every raw entry of the batch into a record with its issues, and save them."""
    entries = load_raw_entries(context.store, batch_id)
    records = [r.record for r in normalize_entries(entries, context.normalize_options)]
    saved = save_records(context.store, records)
    return NormalizeSummary(
        records=len(records),
        with_blocking_issues=sum(1 for r in records if r.blocking_issues),
        inserted=saved.inserted,
        updated=saved.updated,
    )


class LinkSummary(BaseModel):
    """What a linking run decided (counts per outcome) and what it left alone."""

    parties_considered: int = 0
    linked_now: int = 0
    auto_linked: int = 0
    review: int = 0
    new_person: int = 0
    kept_for_steward: int = 0
    population_changes: int = 0
    thresholds_version: int = 0
    """The version of the decision thresholds the run decided with (0: the code defaults)."""


POPULATION_WATERMARK = "population_changes_seq"
THRESHOLDS_WATERMARK = "decision_thresholds_version"
"""The thresholds version every open decision was last decided (or confirmed) under."""


def _prior_decisions(store_engine: Engine, records: dict[str, CivilRecordBase]) -> dict:
    prior = {}
    for key, decision in latest_decisions(store_engine).items():
        record = records.get(decision.record_id)
        if record is None:
            continue
        prior[key] = PriorDecision(
            record_id=decision.record_id,
            party=decision.party,
            register_type=record.register_type,
            kind=decision.kind,
            personal_id=decision.personal_id,
        )
    return prior


def link_step(context: PipelineContext, run_id: str) -> LinkSummary:
    """Link the records that need it against the population DB, and store the outcome.

    Needing it: no decision yet, or an open decision touched by people who changed in the
    population DB since the last run. A steward's decision is final and never re-linked. The
    model's u comes from random pairs and its m from EM on this run's records.

    The run decides with the thresholds in force (:mod:`store.thresholds`). When an admin has
    changed them since the open decisions were made, every open decision is decided again
    under the new ones; each appended decision names the thresholds version in its payload.
    """
    stored = load_records(context.store)
    records = {s.record_id: s.record for s in stored}
    parties = [party for record in records.values() for party in match_records(record)]
    prior = _prior_decisions(context.store, records)
    adapter = PopulationAdapter(context.population)
    watermark = int(get_watermark(context.store, POPULATION_WATERMARK, "0") or 0)
    feed = adapter.changes_since(watermark)
    changed = adapter.frame_of(feed.personal_ids)
    to_link = select_for_relink(parties, prior, changed)
    thresholds = thresholds_in_force(context.store)
    applied = get_watermark(context.store, THRESHOLDS_WATERMARK, str(DEFAULT_VERSION))
    if applied != str(thresholds.version):
        chosen = {party.key for party in to_link}
        to_link += [
            party
            for party in parties
            if party.key in prior and not prior[party.key].is_steward and party.key not in chosen
        ]
    summary = LinkSummary(
        parties_considered=len(parties),
        population_changes=len(feed.changes),
        kept_for_steward=sum(1 for d in prior.values() if d.is_steward),
        thresholds_version=thresholds.version,
    )
    # The whole population, not only this batch's candidates: training on candidates alone
    # inflates the match prior and skews the name frequencies the weights depend on.
    population = adapter.load_all() if to_link else None
    if population is not None and not len(population):
        # An empty population DB: deciding "new person" for everyone would be wrong, so the
        # records stay unmatched until the population is imported.
        log.warning("the population DB is empty; %d record parties not linked", len(to_link))
        population = None
    if population is not None:
        model = train_civil_model(to_link, population, workers=context.settings.ocr_workers)
        result = link(
            to_link, population, model, LinkOptions(decision=thresholds.options), prior=prior
        )
        save_candidates(
            context.store,
            [
                CandidateSet(
                    record_id=d.record_id,
                    party=d.party,
                    model_version=result.model_version,
                    candidates=tuple(
                        CandidateScore(c.personal_id, c.weight, c.explanation) for c in d.candidates
                    ),
                )
                for d in result.decisions
            ],
            run_id,
        )
        append_decisions(
            context.store,
            [
                DecisionInput(
                    record_id=d.record_id,
                    party=d.party,
                    kind=d.kind,
                    personal_id=d.personal_id if d.outcome is MatchOutcome.AUTO_LINKED else None,
                    score=d.candidates[0].weight if d.candidates else None,
                    reason=d.reason,
                    payload={"thresholds_version": thresholds.version},
                )
                for d in result.decisions
            ],
        )
        outcomes = result.by_outcome()
        summary.linked_now = len(result.decisions)
        summary.auto_linked = outcomes.get(MatchOutcome.AUTO_LINKED.value, 0)
        summary.review = outcomes.get(MatchOutcome.REVIEW.value, 0)
        summary.new_person = outcomes.get(MatchOutcome.NEW_PERSON.value, 0)
    set_watermark(context.store, POPULATION_WATERMARK, str(feed.watermark))
    if population is not None or not to_link:
        set_watermark(context.store, THRESHOLDS_WATERMARK, str(thresholds.version))
    return summary
