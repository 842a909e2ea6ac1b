from django.urls import path

from relance.web.agenda import views

app_name = "agenda"
urlpatterns = [
    path("", views.index, name="index"),
    path("calls/<int:pk>/", views.call, name="call"),
    path("emails/<int:pk>/", views.email, name="email"),
    path("emails/<int:pk>/preview/", views.email_preview, name="email_preview"),
    path("emails/<int:pk>/send/", views.email_send, name="email_send"),
    path("actions/<int:pk>/skip/", views.skip, name="skip"),
    path("actions/<int:pk>/done/", views.done, name="done"),
    path("letters.pdf", views.letters_pdf, name="letters_pdf"),
    path("answers/<int:pk>/", views.submission, name="submission"),
    path("bulk/", views.bulk, name="bulk"),
]
