"""Staff API of the books (finance staff and administrators, reads only): the journal's
entries with their lines, and the funds with their balances from the journal."""

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clac.api.pagination import DefaultCursorPagination
from clac.api.views import ClacAPIView, ClacGenericViewSet
from clac.plugins import ACCESS_API
from finance.api.permissions import IsFinanceStaffReader
from finance.models import JournalEntry, JournalLine
from finance.selectors.books import fund_list


class EntryPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering = ("-date", "-id")


class LineSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    fund = serializers.CharField(source="fund.code")
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Debit positive, credit negative.")
    amount_usd = serializers.DecimalField(max_digits=20, decimal_places=2)
    memo = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id", allow_null=True)


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    description = serializers.CharField()
    currency = serializers.CharField()
    usd_rate = serializers.DecimalField(max_digits=18, decimal_places=8)
    source = serializers.ChoiceField(choices=JournalEntry.Source.choices)  # type: ignore[assignment]
    source_ref = serializers.CharField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    lines = LineSerializer(many=True)


@extend_schema(tags=["finance"])
class JournalEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClacGenericViewSet):
    """The journal, newest first (cursor pages), each entry with its lines."""

    permission_classes = [IsFinanceStaffReader]
    serializer_class = EntrySerializer
    pagination_class = EntryPagination

    def get_queryset(self) -> QuerySet[JournalEntry]:
        return JournalEntry.objects.prefetch_related(
            Prefetch("lines", queryset=JournalLine.objects.select_related("account", "fund").order_by("id"))
        ).order_by("-date", "-id")


class FundSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="fund.id")
    code = serializers.CharField(source="fund.code")
    name = serializers.CharField(source="fund.name")
    kind = serializers.CharField(source="fund.kind")
    active = serializers.BooleanField(source="fund.active")
    balance_usd = serializers.DecimalField(max_digits=20, decimal_places=2)


@extend_schema(tags=["finance"])
class FundsView(ClacAPIView):
    permission_classes = [IsFinanceStaffReader]

    @extend_schema(summary="Funds and their balances (USD) from the journal", responses=FundSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = fund_list()
        return Response(FundSerializer(rows, many=True).data)


ACCESS: dict[str, str] = {
    "api-v1:finance-journal-entry-list": ACCESS_API,
    "api-v1:finance-journal-entry-detail": ACCESS_API,
    "api-v1:finance-funds": ACCESS_API,
}
