from django.urls import path

from relance.web.editors import views

app_name = "editors"
urlpatterns = [
    path("", views.scenarios, name="scenarios"),
]
urlpatterns += [path("templates/", views.templates, name="templates")]
