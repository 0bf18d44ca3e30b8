"""Sign-in, sign-out, password reset by email and password change: Django's auth views with
our templates (sign-in and reset through clac.auth for the lockout and throttle); two-step
sign-in and re-authentication; plus the language switch, which also works before signing in."""

from django.contrib.auth import views as auth_views
from django.urls import path

from clac import views
from clac.auth import views as security_views

urlpatterns = [
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", security_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("language/", views.language_switch, name="language_switch"),
    # Two-step sign-in and re-authentication (clac.auth).
    path("two-step/", security_views.mfa_manage, name="mfa_manage"),
    path("two-step/enrol/", security_views.mfa_enrol, name="mfa_enrol"),
    path("two-step/verify/", security_views.mfa_verify_view, name="mfa_verify"),
    path("two-step/recovery-codes/", security_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("two-step/disable/", security_views.mfa_disable_view, name="mfa_disable"),
    path("confirm/", security_views.reauth, name="reauth"),
]
