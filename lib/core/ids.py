"""Ids for records the pages create: generated, never built from what is on the page.

An id derived from the page (a date, a row count, a typed item number) collides as soon as two
people, two tabs or two meetings on one day produce the same text; a random suffix does not.
The write still states that the id must be new (``access.write(expect={tab: {(id,): None}})``),
so even a collision would be refused rather than overwrite a record.
"""

from __future__ import annotations

import uuid


def new_id(prefix: str) -> str:
    """``meet-3f9c2a71d0``: a prefix a person can read, ten hex digits (≈10¹² values) for uniqueness."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
