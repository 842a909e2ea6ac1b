from django.apps import AppConfig


class AccountConfig(AppConfig):
    name = "relance.web.account"
    label = "web_account"
    verbose_name = "Workspace: Account"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from relance.web.account.auth import record_logout

        # The sign-out view is the frame's (web:logout); its signal puts the sign-out on the trail.
        user_logged_out.connect(record_logout, dispatch_uid="relance.web.account.record_logout")
