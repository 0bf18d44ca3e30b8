"""Meetings of a body or a network: agenda, minutes, attendance, agreements and their follow-up
actions. Models hold data and single-row rules; every write goes through
networks.services.meetings."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import Organization, Person
from networks.models.core import Body, Network

__all__ = ["Agreement", "FollowUpAction", "Meeting", "MeetingAttendance"]


class Meeting(TimeStampedModel):
    """A meeting of one body (CLAC's Board, a network's coordinating committee…) or of a whole
    network. Minutes are Markdown, rendered to sanitized HTML (networks.markup)."""

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIRTUAL = "virtual", _("Virtual")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    # Modalities that happen in a room (a place is needed) and online (a link is needed).
    PLACE_MODALITIES = (Modality.IN_PERSON, Modality.HYBRID)
    ONLINE_MODALITIES = (Modality.VIRTUAL, Modality.HYBRID)

    body = models.ForeignKey(
        Body, verbose_name=_("body"), on_delete=models.CASCADE, null=True, blank=True, related_name="meetings"
    )
    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, null=True, blank=True, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True, help_text=_("Markdown: headings, lists, links, emphasis."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    cancellation_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            # A meeting belongs to exactly one body or one network: who may change it and who
            # is invited both follow from that owner.
            models.CheckConstraint(
                condition=(Q(body__isnull=False) & Q(network__isnull=True))
                | (Q(body__isnull=True) & Q(network__isnull=False)),
                name="meeting_body_xor_network",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            # People must know where to go: a meeting in a room names the room.
            models.CheckConstraint(condition=Q(modality="virtual") | ~Q(place=""), name="meeting_place_when_in_person"),
            # ...and where to connect when it is (also) online.
            models.CheckConstraint(
                condition=Q(modality="in_person") | ~Q(online_url=""), name="meeting_link_when_online"
            ),
        ]
        indexes = [
            # Every meeting list (dashboard, portal, API) is ordered by date; a network's and a
            # body's meetings are read by owner then date (the network page, the portal).
            models.Index(fields=["starts_at"], name="meeting_starts_at_idx"),
            models.Index(fields=["network", "starts_at"], name="meeting_network_starts_idx"),
            models.Index(fields=["body", "starts_at"], name="meeting_body_starts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def owner_network_id(self) -> int | None:
        """The network whose coordinators change this meeting (None: a CLAC body's, admins only).
        Needs `body` loaded for body meetings."""
        if self.network_id is not None:
            return self.network_id
        return self.body.network_id if self.body is not None else None

    @property
    def status_badge(self) -> str:
        return {"planned": "submitted", "held": "approved", "cancelled": "withdrawn"}[self.status]


class MeetingAttendance(models.Model):
    """Who was at a meeting: a person (with the organization they came for, if any) or an
    organization as such; `present` false records an excused or absent seat holder."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendance",
    )
    # Named relations (not "+"): merging duplicate people or organizations finds and moves them.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendance",
    )
    present = models.BooleanField(_("present"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_id", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            # A row says who: a person, an organization, or both.
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organization__isnull=False), name="attendance_person_or_org"
            ),
            # A person is listed once per meeting, and so is an organization without a person.
            models.UniqueConstraint(
                fields=["meeting", "person"], condition=Q(person__isnull=False), name="attendance_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["meeting", "organization"],
                condition=Q(person__isnull=True),
                name="attendance_one_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organization} · {self.meeting}"


class Agreement(TimeStampedModel):
    """A decision taken at a meeting, numbered within it ("Acuerdo 3")."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agreements")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_id", "number"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            # Minutes cite agreements by number: it must be unambiguous within the meeting.
            models.UniqueConstraint(fields=["meeting", "number"], name="agreement_unique_number_per_meeting"),
            models.CheckConstraint(condition=Q(number__gte=1), name="agreement_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class FollowUpAction(TimeStampedModel):
    """Something someone must do to carry out an agreement, by a date. The owner is either a
    person of the network (a member organization's representative) or a CLAC staff user."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("follow-up action status", "Done")
        CANCELLED = "cancelled", _("Cancelled")

    # Still to be done: these can be overdue.
    PENDING_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.TextField(_("description"))
    owner_person = models.ForeignKey(
        Person,
        verbose_name=_("owner (person)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_actions",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        constraints = [
            # Exactly one owner: somebody answers for the action, and only one kind of somebody.
            models.CheckConstraint(
                condition=(Q(owner_person__isnull=False) & Q(owner_user__isnull=True))
                | (Q(owner_person__isnull=True) & Q(owner_user__isnull=False)),
                name="followup_action_one_owner",
            ),
            # A completion date exactly when the action is done.
            models.CheckConstraint(
                condition=(Q(status="done") & Q(completed_on__isnull=False))
                | (~Q(status="done") & Q(completed_on__isnull=True)),
                name="followup_action_completed_iff_done",
            ),
        ]
        indexes = [
            # The follow-up list and the overdue counts read pending actions by due date.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status__in=["open", "in_progress"]),
                name="followup_pending_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING_STATUSES

    @property
    def owner(self):
        return self.owner_person or self.owner_user

    @property
    def status_badge(self) -> str:
        return {"open": "pending", "in_progress": "submitted", "done": "approved", "cancelled": "withdrawn"}[
            self.status
        ]
