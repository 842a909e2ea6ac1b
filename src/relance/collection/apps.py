from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "relance.collection"
    label = "collection"
    verbose_name = "Collection"

    def ready(self) -> None:
        from relance.collection.messages import on_message_failed, on_message_sent
        from relance.messaging.models import OutboxMessage
        from relance.messaging.signals import message_failed, message_sent

        message_sent.connect(on_message_sent, sender=OutboxMessage, dispatch_uid="collection.on_message_sent")
        message_failed.connect(on_message_failed, sender=OutboxMessage, dispatch_uid="collection.on_message_failed")
