from django.urls import path

from relance.web.account import auth, views

app_name = "account"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("details/", views.profile_details, name="details"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/start/", views.totp_start, name="totp_start"),
    path("two-factor/cancel/", views.totp_cancel, name="totp_cancel"),
    path("two-factor/confirm/", views.totp_confirm, name="totp_confirm"),
    path("two-factor/disable/", views.totp_disable, name="totp_disable"),
    path("two-factor/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes"),
    path("team/", views.team, name="team"),
    path("team/add/", views.team_add, name="team_add"),
    path("team/invite/", views.team_invite, name="team_invite"),
    path("team/<int:pk>/role/", views.team_role, name="team_role"),
    path("team/<int:pk>/sees-all/", views.team_sees_all, name="team_sees_all"),
    path("team/<int:pk>/remove/", views.team_remove, name="team_remove"),
    # Signed out: the sign-in's second step, the language of these pages, the password reset.
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_code_view, name="login_code"),
    path("language/", auth.language_view, name="language"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
