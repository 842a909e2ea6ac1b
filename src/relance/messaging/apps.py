from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "relance.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Bounces and complaints reported by e-mail services (django-anymail's tracking signal).
        from relance.messaging import webhooks  # noqa: F401
