from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "relance.collection"
    label = "collection"
    verbose_name = "Collection"
