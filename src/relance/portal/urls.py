"""The customer's side: every URL starts with a signed access token (see messaging.links)."""

from django.urls import path

from relance.portal import payment_views, views

app_name = "portal"
urlpatterns = [
    path("p/<str:token>/", views.page, name="page"),
    path("p/<str:token>/pay/", payment_views.pay, name="pay"),
    path("p/<str:token>/pay/return/", payment_views.pay_return, name="pay_return"),
    path("p/<str:token>/pay/cancel/", payment_views.pay_cancel, name="pay_cancel"),
    path("p/<str:token>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("p/<str:token>/statement.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("p/<str:token>/invoices/<int:invoice_id>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("p/<str:token>/send/<slug:kind>/", views.submit, name="submit"),
    path("p/<str:token>/renew/", views.renew, name="renew"),
    path("c/<str:token>/", views.colleague, name="colleague"),
    path("portal/submissions/", views.submissions, name="submissions"),
    path("portal/submissions/<int:pk>/decide/", views.submission_decide, name="submission_decide"),
    path("portal/files/<int:pk>/", views.submission_file, name="submission_file"),
]
