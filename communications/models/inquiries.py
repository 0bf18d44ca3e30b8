"""Questions from the public contact form (/contact/): an Inquiry and its append-only thread.

An inquiry holds a member of the public's personal data (name, email, phone, what they
wrote). Its audit trail is the thread itself (every assignment, reply, note, closing and
reopening is a dated, attributed InquiryMessage) rather than simple_history: a history table
would keep copies of the personal data that retention must be able to erase
(docs/decisions/0017-inquiries-spam-and-retention.md). Every write goes through
communications.services.inquiries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

__all__ = ["Inquiry", "InquiryMessage"]


class Inquiry(models.Model):
    class Category(models.TextChoices):
        MEMBERSHIP = "membership", _("Membership")
        CERTIFICATION = "certification", _("Certification and Fairtrade")
        PRICES = "prices", _("Prices and markets")
        PRESS = "press", _("Press")
        PARTNERSHIP = "partnership", _("Partnership")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    # Still waiting for CLAC: the home panel and the default list show these.
    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED)

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # The language the sender wrote in and is answered in (acknowledgement and replies).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The sender: a member of the public, not a registry Person (nothing is matched or created).
    name = models.CharField(_("name"), max_length=150)
    organization = models.CharField(_("organization"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # What the sender agreed to, and when: the consent text is versioned in
    # communications.services.inquiries.CONSENT_VERSION.
    consent_version = models.CharField(_("consent text version"), max_length=20)
    consent_given_at = models.DateTimeField(_("consent given"))
    # The acknowledgement e-mail: claimed (set) before it is sent, so it goes out at most once.
    acknowledged_at = models.DateTimeField(_("acknowledgement sent"), null=True, blank=True)
    acknowledgement_error = models.CharField(_("acknowledgement error"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set when retention erased the sender's personal data (communications.tasks).
    anonymized_at = models.DateTimeField(_("anonymized"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        constraints = [
            # An assigned inquiry names who handles it (the list's "assigned to" never reads blank).
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(assignee__isnull=False), name="inquiry_assigned_has_assignee"
            ),
            # A closing date exactly when closed: retention counts from it.
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="inquiry_closed_at_iff_closed",
            ),
        ]
        indexes = [
            # The list (any filter) is ordered by arrival; the home panel counts by status.
            models.Index(fields=["status", "-received_at"], name="inquiry_status_received_idx"),
            models.Index(fields=["-received_at", "-id"], name="inquiry_received_idx"),
            models.Index(fields=["assignee", "status"], name="inquiry_assignee_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def status_badge(self) -> str:
        return {"new": "pending", "assigned": "submitted", "answered": "approved", "closed": "withdrawn"}[self.status]


class InquiryMessage(models.Model):
    """One entry of an inquiry's thread, never changed afterwards (except a reply's delivery
    state): the sender's original message, a reply e-mailed to the sender, an internal note
    (staff only), or a change of status or assignee, each with who and when."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", _("Message from the sender")
        REPLY = "reply", _("Reply by e-mail")
        NOTE = "note", _("Internal note")
        EVENT = "event", _("Change")

    class Delivery(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    inquiry = models.ForeignKey(Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    body = models.TextField(_("text"), blank=True)
    # Events: the status the inquiry moved to, and the assignee when the event is an assignment.
    status_to = models.CharField(_("new status"), max_length=10, choices=Inquiry.Status.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Replies: the e-mail's state, sent by communications.tasks.inquiry_reply_send.
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivery_error = models.CharField(_("delivery error"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("inquiry message")
        verbose_name_plural = _("inquiry messages")
        constraints = [
            # Only replies are e-mailed, and every reply has a delivery state.
            models.CheckConstraint(
                condition=(Q(kind="reply") & ~Q(delivery="")) | (~Q(kind="reply") & Q(delivery="")),
                name="inquiry_message_delivery_iff_reply",
            ),
        ]
        indexes = [
            # The thread of one inquiry, in order.
            models.Index(fields=["inquiry", "created_at", "id"], name="inquiry_message_thread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.inquiry_id}"
