"""Domain vocabulary derived from the schema: aging buckets, resources, consumer groups."""

from __future__ import annotations

from lib.core.schema import schema

BUCKETS = ("age_1_3", "age_3_12", "age_12_24", "age_24_36", "age_over_36")
BUCKET_LABELS = {"age_1_3": "1–3 мес.", "age_3_12": "3–12 мес.", "age_12_24": "12–24 мес.",
                 "age_24_36": "24–36 мес.", "age_over_36": "свыше 36 мес."}
MONEY_FIELDS = ("debt_start", "accrued", "paid", "recovered_enforcement", "overdue", "written_off")


def resource_labels() -> dict[str, str]:
    return schema()["debt_structure"].column("resource").labels


def group_labels() -> dict[str, str]:
    return schema()["monthly_reports"].column("consumer_group").labels
