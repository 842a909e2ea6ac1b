from django.urls import path

from relance.web.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/configure/", views.configure, name="configure"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/errors.csv", views.upload_errors, name="upload_errors"),
    path("<int:pk>/discard/", views.discard, name="discard"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/errors.csv", views.run_errors, name="run_errors"),
]
