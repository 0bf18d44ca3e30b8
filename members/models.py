"""The member registry: organizations, their certification and CLAC membership, the people
who serve them, yearly reports and the reference data they use (DESIGN §4 "members").

Models hold data and single-row rules only; every write goes through members.services."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat, Length, Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from clac.roles import PortalRole
from members import rules
from members.languages import WorkingLanguagesField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Validators built from the rules in members.rules, so forms, services and imports agree.
FLO_ID_VALIDATOR = RegexValidator(rules.FLO_ID_PATTERN, rules.FLO_ID_MESSAGE)
E164_VALIDATOR = RegexValidator(rules.E164_PATTERN, rules.PHONE_MESSAGE)
CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO currency code, e.g. USD."))


# --- Reference data -----------------------------------------------------------------------


class Subregion(models.TextChoices):
    ANDEAN = "andean", _("Andean")
    CENTRAL_AMERICA_CARIBBEAN = "central_america_caribbean", _("Central America & Caribbean")
    SOUTH_AMERICA = "south_america", _("South America")
    CARIBBEAN = "caribbean", _("Caribbean")
    NORTH_AMERICA = "north_america", _("North America")


class Country(models.Model):
    """A country where CLAC has members. Loaded by a migration; the bounding box lets forms
    refuse coordinates that fall outside the country."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    subregion = models.CharField(_("subregion"), max_length=32, choices=Subregion.choices)
    min_latitude = models.DecimalField(max_digits=9, decimal_places=6)
    max_latitude = models.DecimalField(max_digits=9, decimal_places=6)
    min_longitude = models.DecimalField(max_digits=9, decimal_places=6)
    max_longitude = models.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        # Names are stored in English and translated through the catalogue (members/reference.py).
        return gettext(self.name)

    def contains(self, latitude: Decimal, longitude: Decimal) -> bool:
        return rules.coordinates_inside(self, latitude, longitude)


class ProductNetwork(models.TextChoices):
    """CLAC's eight product networks; each Fairtrade product category belongs to one."""

    COFFEE = "coffee", _("Coffee")
    COCOA = "cocoa", _("Cocoa")
    BANANA = "banana", _("Banana")
    SUGAR = "sugar", _("Sugar")
    JUICES_FRUIT = "juices_fruit", _("Juices & fruit")
    HONEY = "honey", _("Honey")
    QUINOA = "quinoa", _("Quinoa")
    OTHER = "other", _("Other products")


class Unit(models.TextChoices):
    LB = "lb", _("pound (lb)")
    KG = "kg", _("kilogram (kg)")
    T = "t", _("metric tonne (t)")
    BOX = "box", _("box (18.14 kg)")


class Product(models.Model):
    """A Fairtrade product category with the unit it is traded in."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit of trade"), max_length=8, choices=Unit.choices)
    network = models.CharField(_("product network"), max_length=20, choices=ProductNetwork.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return gettext(self.name)


class ExchangeRate(models.Model):
    """USD value of one unit of a currency on a date. Statistics convert with the rate of the
    latest date on or before the transaction. The finance module builds on this table."""

    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_VALIDATOR])
    date = models.DateField(_("date"))
    usd_per_unit = models.DecimalField(_("USD per unit"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["currency", "-date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="exchange_rate_unique_currency_date"),
            models.CheckConstraint(condition=Q(usd_per_unit__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.usd_per_unit} USD"


# --- Organizations ------------------------------------------------------------------------


class FoldAccents(Func):
    """clac_unaccent(text): the text without its accents ("Asociación" → "Asociacion"). On
    PostgreSQL an IMMUTABLE wrapper of the unaccent extension's unaccent() (migration 0011), so
    a stored generated column may use it; on SQLite, the demo's database, a Python function
    registered on every connection (members.apps) that folds like members.normalize.strip_accents."""

    function = "clac_unaccent"
    output_field = models.TextField()


_SPACE = Value(" ")
_TEXT = models.TextField()


class Organization(TimeStampedModel):
    class Kind(models.TextChoices):
        SPO = "spo", _("Small producer organization")
        SPO2 = "spo2", _("Second-tier union of SPOs")
        HL = "hl", _("Hired-labour workers' committee")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SPO)
    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT)
    region = models.CharField(_("region"), max_length=100, blank=True)
    locality = models.CharField(_("locality"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent union"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    flo_id = models.CharField(_("FLO ID"), max_length=7, blank=True, validators=[FLO_ID_VALIDATOR])
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="organizations")
    founding_year = models.PositiveSmallIntegerField(
        _("founding year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(rules.FOUNDING_YEAR_MIN), MaxValueValidator(rules.YEAR_MAX)],
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[E164_VALIDATOR])
    languages = WorkingLanguagesField(_("working languages"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Lower-case, accent-free, legal-suffix-free name kept by the services: duplicate
    # detection groups on (country, normalized_name) instead of comparing every pair.
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True, default="")
    # What the registry search looks in (members.selectors.search): name, legal name, locality
    # and FLO ID, accents removed, lower case. Computed by the database on every write (the
    # importer's COPY, bulk writes and fixtures included), so a search reads a column instead of
    # folding every row's text at every search (ADR speed-search-column).
    search_text = models.GeneratedField(
        expression=Lower(
            FoldAccents(Concat("name", _SPACE, "legal_name", _SPACE, "locality", _SPACE, "flo_id", output_field=_TEXT))
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
    history = HistoricalRecords(excluded_fields=["normalized_name", "search_text"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            # FLO IDs are unique, but many applicants have none yet.
            models.UniqueConstraint(fields=["flo_id"], condition=~Q(flo_id=""), name="organization_unique_flo_id"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="organization_not_own_parent"),
        ]
        indexes = [
            # Registry filters by country and kind; duplicate finder groups on these.
            models.Index(fields=["country", "kind"], name="org_country_kind_idx"),
            models.Index(fields=["country", "normalized_name"], name="org_country_normname_idx"),
            models.Index(fields=["tax_id"], name="org_tax_id_idx"),
            # The registry list's sort orders (selectors.ORGANIZATION_SORTS), so a page is an
            # index scan from either end (clac.pagination.ReversiblePaginator), not a sort.
            models.Index(fields=["name", "id"], name="org_sort_name_idx"),
            models.Index(fields=["kind", "name", "id"], name="org_sort_kind_idx"),
            models.Index(fields=["updated_at", "id"], name="org_sort_updated_idx"),
            # FLO ID in numeric order (ORGANIZATION_SORTS["flo_id"]: length, then text).
            models.Index(Length("flo_id"), F("flo_id"), F("id"), name="org_sort_flo_id_idx"),
            # By country: the page's ids are sorted from this index alone (clac.pagination).
            models.Index(fields=["country", "name", "id"], name="org_sort_country_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_abbreviation(self) -> str:
        """Short label for dense tables; the full label goes in a tooltip."""
        labels: dict[str, StrOrPromise] = {
            self.Kind.SPO: _("SPO"),
            self.Kind.SPO2: _("SPO union"),
            self.Kind.HL: _("HL committee"),
            self.Kind.OTHER: _("Other"),
        }
        return str(labels[self.kind])


class Certification(TimeStampedModel):
    """The organization's Fairtrade certificate under one standard (FLOCERT). Changes are kept
    in the history table; a 3-year cycle runs from cycle_start to cycle_end."""

    class Standard(models.TextChoices):
        SPO = "spo", _("Small Producer Organizations")
        HL = "hl", _("Hired Labour")
        CP = "cp", _("Contract Production")

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        PERMISSION_TO_TRADE = "permission_to_trade", _("Permission to trade")
        CERTIFIED = "certified", _("Certified")
        SUSPENDED = "suspended", _("Suspended")
        DECERTIFIED = "decertified", _("Decertified")

    class AuditType(models.TextChoices):
        INITIAL = "initial", _("Initial")
        RENEWAL = "renewal", _("Renewal")
        CONFIRMATION = "confirmation", _("Confirmation")
        FOLLOW_UP = "follow_up", _("Follow-up")

    CURRENT_STATUSES = (Status.CERTIFIED, Status.PERMISSION_TO_TRADE)
    # The rule lives in members.rules (the importer and the demo use it too).
    FLAGGING_STATUSES = tuple(status for status in Status if rules.certificate_status_flags(status))

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="certifications"
    )
    standard = models.CharField(_("standard"), max_length=4, choices=Standard.choices, default=Standard.SPO)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.APPLICANT)
    cycle_start = models.DateField(_("cycle start"), null=True, blank=True)
    cycle_end = models.DateField(_("cycle end"), null=True, blank=True)
    last_audit_date = models.DateField(_("last audit"), null=True, blank=True)
    last_audit_type = models.CharField(_("last audit type"), max_length=16, choices=AuditType.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization_id", "standard"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.UniqueConstraint(fields=["organization", "standard"], name="certification_unique_org_standard"),
            models.CheckConstraint(
                condition=Q(cycle_end__isnull=True) | Q(cycle_start__isnull=True) | Q(cycle_end__gt=F("cycle_start")),
                name="certification_cycle_ends_after_start",
            ),
        ]
        indexes = [
            # "Certifications expiring within 60 days" on the dashboard home.
            models.Index(fields=["status", "cycle_end"], name="cert_status_cycle_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_standard_display()} · {self.get_status_display()}"

    @property
    def is_current(self) -> bool:
        return self.status in self.CURRENT_STATUSES


class Membership(TimeStampedModel):
    """The organization's CLAC membership. Status changes only through
    members.services.membership_transition, which records a MembershipEvent each time."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPELLED = "expelled", _("Expelled")

    # applicant → active ⇄ suspended → withdrawn | expelled (an applicant may also withdraw).
    # A withdrawn organization may apply again: it becomes an applicant, its earlier events
    # stay in the history, and activation follows the usual rules (a current certificate).
    # Expulsion is final here: under the statutes only the General Assembly can readmit an
    # expelled organization, which staff record by creating it anew (docs/user-guide.md).
    ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.APPLICANT: (Status.ACTIVE, Status.WITHDRAWN),
        Status.ACTIVE: (Status.SUSPENDED, Status.WITHDRAWN, Status.EXPELLED),
        Status.SUSPENDED: (Status.ACTIVE, Status.WITHDRAWN, Status.EXPELLED),
        Status.WITHDRAWN: (Status.APPLICANT,),
        Status.EXPELLED: (),
    }

    class DuesCategory(models.TextChoices):
        A = "a", _("Category A (large)")
        B = "b", _("Category B (medium)")
        C = "c", _("Category C (small)")
        EXEMPT = "exempt", _("Exempt")

    organization = models.OneToOneField(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="membership"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.APPLICANT)
    joined_on = models.DateField(_("member since"), null=True, blank=True)
    status_changed_on = models.DateField(_("status since"), null=True, blank=True)
    dues_category = models.CharField(_("dues category"), max_length=8, choices=DuesCategory.choices, blank=True)
    # The review queue: set when the certificate is suspended or withdrawn (or dues are long
    # overdue); staff decide, the flag never changes the status by itself.
    review_requested_at = models.DateTimeField(_("review requested"), null=True, blank=True)
    review_reason = models.TextField(_("review reason"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            models.Index(fields=["status"], name="membership_status_idx"),
            # The review queue: the few flagged memberships, longest waiting first, a page at a time.
            models.Index(
                fields=["review_requested_at", "id"],
                condition=Q(review_requested_at__isnull=False),
                name="membership_review_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_status_display()}"

    def allowed_next_statuses(self) -> tuple[str, ...]:
        return self.ALLOWED_TRANSITIONS.get(self.status, ())


class MembershipEvent(models.Model):
    """One membership status change: append-only."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=16, choices=Membership.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Membership.Status.choices)
    occurred_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"))
    override_reason = models.TextField(_("certification override"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status} ({self.occurred_on})"


class OrganizationChangeProposal(TimeStampedModel):
    """A portal user's request to change a field that staff must confirm (legal identity)."""

    class Field(models.TextChoices):
        LEGAL_NAME = "legal_name", _("Legal name")
        FLO_ID = "flo_id", _("FLO ID")
        COUNTRY = "country", _("Country")
        KIND = "kind", _("Kind")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="change_proposals")
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    current_value = models.CharField(_("current value"), max_length=300, blank=True)
    proposed_value = models.CharField(_("proposed value"), max_length=300)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change proposal")
        verbose_name_plural = _("change proposals")
        constraints = [
            # One open proposal per field, so staff never decide between two conflicting ones.
            models.UniqueConstraint(
                fields=["organization", "field"], condition=Q(status="pending"), name="proposal_one_pending_per_field"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.field} → {self.proposed_value}"


# --- People -------------------------------------------------------------------------------


class Person(TimeStampedModel):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefers not to say")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email_secondary = models.EmailField(_("second email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[E164_VALIDATOR])
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="es"
    )
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(rules.BIRTH_YEAR_MIN), MaxValueValidator(rules.YEAR_MAX)],
    )
    notes = models.TextField(_("notes"), blank=True)
    # Lower-case accent-free "last first" kept by the services, for duplicate detection.
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True, default="")
    history = HistoricalRecords(excluded_fields=["normalized_name"])

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # Import upserts by email; duplicate finder groups on email and phone.
            models.Index(fields=["email"], name="person_email_idx"),
            # Emails compare case-insensitively (the import's matching, the duplicate finder).
            # Not unique: the registry may hold a pair the finder shows for merging.
            models.Index(Lower("email"), name="person_email_lower_idx"),
            models.Index(fields=["phone"], name="person_phone_idx"),
            # The people directory's order: a page from either end is an index scan.
            models.Index(fields=["last_name", "first_name", "id"], name="person_sort_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)


class Consent(models.Model):
    """Whether a person agreed to be contacted on a channel, and when and how they said so."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        PHONE = "phone", _("Phone call")

    class Method(models.TextChoices):
        PORTAL = "portal", _("Portal")
        FORM = "form", _("Web form")
        PAPER = "paper", _("Signed paper form")
        VERBAL = "verbal", _("Verbal, recorded by staff")
        IMPORT = "import", _("Imported record")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    given_at = models.DateTimeField(_("given at"))
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            # The current answer per channel; earlier answers live in the history table.
            models.UniqueConstraint(fields=["person", "channel"], name="consent_unique_person_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.channel}: {'yes' if self.granted else 'no'}"


class Affiliation(TimeStampedModel):
    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
        MANAGER = "manager", _("Manager")
        BOARD_MEMBER = "board_member", _("Board member")
        FAIRTRADE_OFFICER = "fairtrade_officer", _("Fairtrade officer")
        DELEGATE = "delegate", _("Delegate")
        WORKER_REPRESENTATIVE = "worker_representative", _("Worker representative")
        STAFF_CONTACT = "staff_contact", _("Staff contact")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization_id", "-is_primary", "role", "id"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="affiliation_ends_after_start",
            ),
            # The same person cannot hold the same open role twice in one organization.
            models.UniqueConstraint(
                fields=["person", "organization", "role"],
                condition=Q(end_date__isnull=True),
                name="affiliation_unique_open_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.organization}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class PortalAccess(TimeStampedModel):
    """A user's access to one organization's portal, with a role (admin, editor, viewer)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_accesses")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="portal_accesses")
    role = models.CharField(_("role"), max_length=10, choices=PortalRole.choices, default=PortalRole.VIEWER)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal accesses")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="portal_access_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (PortalRole.ADMIN, PortalRole.EDITOR)


# --- Yearly reports -----------------------------------------------------------------------


class YearlyReport(TimeStampedModel):
    """What an organization reports for a year. Only approved reports feed statistics."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="yearly_reports")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(rules.REPORT_YEAR_MIN), MaxValueValidator(rules.YEAR_MAX)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    members_total = models.PositiveIntegerField(_("members (total)"), null=True, blank=True)
    members_women = models.PositiveIntegerField(_("members who are women"), null=True, blank=True)
    members_youth = models.PositiveIntegerField(_("members who are young (under 30)"), null=True, blank=True)
    permanent_workers = models.PositiveIntegerField(_("permanent workers"), null=True, blank=True)
    hectares = models.DecimalField(
        _("hectares"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    premium_amount = models.DecimalField(
        _("Fairtrade Premium received"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    premium_currency = models.CharField(
        _("premium currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR]
    )
    # Converted with the exchange rate of the report year's end when the report is approved.
    premium_usd = models.DecimalField(_("premium in USD"), max_digits=14, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Unusual (not impossible) figures for the reviewer, as rules.report_flags gives them
    # ({"code", "params"}), rendered in the reader's language. Derived data: kept out of history.
    review_flags = models.JSONField(_("review flags"), default=list, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["review_flags"])

    class Meta:
        ordering = ["-year", "organization_id"]
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="yearly_report_unique_org_year"),
            # Backstops for the service's validation: impossible numbers never reach statistics.
            models.CheckConstraint(
                condition=Q(members_women__isnull=True)
                | Q(members_total__isnull=True)
                | Q(members_women__lte=F("members_total")),
                name="yearly_report_women_within_total",
            ),
            models.CheckConstraint(
                condition=Q(members_youth__isnull=True)
                | Q(members_total__isnull=True)
                | Q(members_youth__lte=F("members_total")),
                name="yearly_report_youth_within_total",
            ),
        ]
        indexes = [
            # Statistics read approved reports by year; the review queue reads submitted ones.
            models.Index(fields=["status", "year"], name="yearly_report_status_year_idx"),
            # The report list's order when not only submitted reports are listed.
            models.Index(fields=["updated_at", "id"], name="yearly_report_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def review_flag_messages(self) -> list[str]:
        return [rules.report_flag_message(flag) for flag in self.review_flags or []]


class YearlyReportProduct(models.Model):
    """Volumes of one product in a yearly report, in the product's unit of trade."""

    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="product_lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    volume_produced = models.DecimalField(
        _("volume produced"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    volume_sold_fairtrade = models.DecimalField(
        _("sold on Fairtrade terms"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    volume_sold_other = models.DecimalField(
        _("sold on other terms"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product volumes")
        verbose_name_plural = _("product volumes")
        constraints = [
            models.UniqueConstraint(fields=["report", "product"], name="yearly_report_product_unique"),
            models.CheckConstraint(
                condition=Q(volume_sold_fairtrade__lte=F("volume_produced")),
                name="yearly_report_product_fairtrade_within_production",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.product}"


class PremiumUse(models.Model):
    """How part of the Fairtrade Premium was used, in the report's premium currency."""

    class Category(models.TextChoices):
        PRODUCTIVITY = "productivity", _("Productivity and quality")
        SERVICES_TO_MEMBERS = "services_to_members", _("Services to members")
        PAYMENTS_TO_MEMBERS = "payments_to_members", _("Direct payments to members")
        ORGANIZATION = "organization", _("Organizational strengthening")
        COMMUNITY = "community", _("Community projects")
        ENVIRONMENT = "environment", _("Environment and climate")
        WORKERS = "workers", _("Workers' welfare")
        OTHER = "other", _("Other")

    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="premium_uses")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("premium use")
        verbose_name_plural = _("premium uses")
        constraints = [models.UniqueConstraint(fields=["report", "category"], name="premium_use_unique_category")]

    def __str__(self) -> str:
        return f"{self.report} · {self.category}: {self.amount}"


class YearlyReportEvent(models.Model):
    """The report's append-only log: who did what, when, with which comment."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")
        COMMENTED = "commented", _("Commented")

    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    note = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("yearly report event")
        verbose_name_plural = _("yearly report events")

    def __str__(self) -> str:
        return f"{self.report} · {self.action}"


# --- Duplicates ---------------------------------------------------------------------------


class DuplicateKind(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    PERSON = "person", _("Person")


class DuplicateDismissal(models.Model):
    """Staff said these two records are not the same; the finder stops proposing the pair."""

    kind = models.CharField(max_length=12, choices=DuplicateKind.choices)
    first_id = models.BigIntegerField()
    second_id = models.BigIntegerField()
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "first_id", "second_id"], name="duplicate_dismissal_unique"),
            # Pairs are stored lowest id first so (a, b) and (b, a) are the same row.
            models.CheckConstraint(condition=Q(first_id__lt=F("second_id")), name="duplicate_dismissal_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_id} ≠ {self.second_id}"


class MergeRecord(models.Model):
    """A merge done by staff: which record survived, which was folded in, and a snapshot of
    the merged record's fields, so the merge can be understood (and undone by hand) later."""

    kind = models.CharField(max_length=12, choices=DuplicateKind.choices)
    survivor_id = models.BigIntegerField()
    merged_id = models.BigIntegerField()
    merged_snapshot = models.JSONField(default=dict)
    moved = models.JSONField(default=dict, help_text="Relation name → number of rows moved.")
    # Stored as codes and parameters, rendered in the reader's language (members.merge_notes).
    notes = models.JSONField(default=list, help_text="What the merge did: codes and parameters (members.merge_notes).")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "survivor_id"], name="merge_record_survivor_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_id} → {self.survivor_id}"


# --- Personal-data rights -----------------------------------------------------------------


class PersonErasure(models.Model):
    """The evidence that a person's personal data was erased: who did it, when, on which
    request, and what was scrubbed. The person row itself stays, anonymized, so statistics,
    affiliations and consent decisions keep their shape (docs/user-guide.md, personal data)."""

    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="erasure")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("erased by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"))
    reason = models.CharField(_("request reference"), max_length=200)
    # Table label → number of rows scrubbed (history rows, merge snapshots), for the record.
    scrubbed = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("personal-data erasure")
        verbose_name_plural = _("personal-data erasures")
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} erased {self.erased_at:%Y-%m-%d}"
