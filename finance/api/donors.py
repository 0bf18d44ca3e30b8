"""Staff API of donors and grant agreements (finance staff and administrators, reads only):
donors, and agreements with their tranches and reporting deadlines."""

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

from clac.api.pagination import DefaultCursorPagination
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from finance.api.permissions import IsFinanceStaffReader
from finance.models import Donor, GrantAgreement, ReportingDeadline, Tranche


class ByIdPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering = ("id",)


class DonorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Donor.Kind.choices)
    country = serializers.CharField()


class TrancheSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    expected_date = serializers.DateField()
    expected_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    received_date = serializers.DateField(allow_null=True)
    received_amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    received_currency = serializers.CharField()
    entry = serializers.IntegerField(source="entry_id", allow_null=True, help_text="The journal entry posted.")


class DeadlineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    submitted_on = serializers.DateField(allow_null=True)


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    donor = serializers.IntegerField(source="donor_id")
    title = serializers.CharField()
    reference = serializers.CharField()
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    restricted = serializers.BooleanField()
    strategic_lines = serializers.ListField(child=serializers.CharField())
    fund = serializers.CharField(source="fund.code")
    tranches = TrancheSerializer(many=True)
    deadlines = DeadlineSerializer(many=True)


@extend_schema(tags=["finance"])
class DonorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClacGenericViewSet):
    permission_classes = [IsFinanceStaffReader]
    serializer_class = DonorSerializer
    pagination_class = ByIdPagination
    queryset = Donor.objects.order_by("id")


@extend_schema(tags=["finance"])
class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClacGenericViewSet):
    """Grant agreements with their tranches (expected and received) and reporting deadlines."""

    permission_classes = [IsFinanceStaffReader]
    serializer_class = AgreementSerializer
    pagination_class = ByIdPagination

    def get_queryset(self) -> QuerySet[GrantAgreement]:
        return (
            GrantAgreement.objects.select_related("fund")
            .prefetch_related(
                Prefetch("tranches", queryset=Tranche.objects.order_by("expected_date", "id")),
                Prefetch("deadlines", queryset=ReportingDeadline.objects.order_by("due_date", "id")),
            )
            .order_by("id")
        )


ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in ("finance-donor-list", "finance-donor-detail", "finance-agreement-list", "finance-agreement-detail")
}
