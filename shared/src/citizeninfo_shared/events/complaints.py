"""citizeninfo.complaints.v1 — complaints for the national complaint system (contact only with consent).

A consented contact is never on the topic in clear: `contact` is always null in published events, and
`contact_sealed` carries it under AES-256-GCM with a data key of its own complaint, which only
feedback-service keeps (the complaint system fetches it, admin-authenticated, from
`GET /api/feedback/v1/complaints/{complaint_id}/contact-key`). Erasing the contact deletes the key, so
what stays on the topic can no longer be read (crypto-shredding), and `ComplaintContactErased` tells the
complaint system to erase its own copy.
"""

from datetime import datetime
from typing import ClassVar, Literal

from citizeninfo_shared.events.envelope import EventData


class ComplaintContact(EventData):
    phone: str | None = None
    email: str | None = None


class SealedContact(EventData):
    """A ComplaintContact as JSON, sealed with AES-256-GCM; the associated data is the complaint id."""

    alg: Literal["A256GCM"] = "A256GCM"
    nonce: str  # base64url, 12 bytes
    ciphertext: str  # base64url, with the 16-byte tag


class ComplaintFiled(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.complaint.filed"
    complaint_id: str
    tracking_code: str
    service_point_id: str
    category: str
    description: str
    contact: ComplaintContact | None = None  # feedback-service's own record; null on the topic
    contact_sealed: SealedContact | None = None  # on the topic: the consented contact, sealed
    filed_at: datetime
    # Stamped from the catalogue so the complaint system can route without lookups.
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
    service_id: str | None = None
    # Where it was filed: "api" (the citizen app) or "open311" (GeoReport v2 clients).
    channel: str | None = None
    # When the category's target time for an answer runs out (added; absent from older producers).
    due_at: datetime | None = None


class ComplaintContactErased(EventData):
    """The complainant's contact was erased (at their request or an administrator's): erase every copy."""

    event_type: ClassVar[str] = "th.go.citizeninfo.complaint.contact-erased"
    complaint_id: str
    service_point_id: str
    erased_at: datetime
    requested_by: Literal["citizen", "admin"]


class ComplaintStatusUpdated(EventData):
    """A complaint's status as feedback-service now holds it, after any change (the complaint system's,
    or a reopening by the citizen): a snapshot, so the latest one is the truth (`sequence` grows by one
    per change). `due_at` is when an answer is due while the complaint is open (null once answered);
    `reason` is the citizen's reason for reopening (redacted), null otherwise."""

    event_type: ClassVar[str] = "th.go.citizeninfo.complaint.status-updated"
    complaint_id: str
    service_point_id: str
    category: str
    status: str
    open: bool
    due_at: datetime | None = None
    changed_at: datetime
    sequence: int
    reopen_count: int = 0
    reason: str | None = None
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
