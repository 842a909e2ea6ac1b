"""The customer's side: every URL starts with a signed access token (see messaging.links).

The shapes of the links written into e-mails are messaging.links' constants: e-mails already sent
keep working only if these routes never change, so they are defined once, there.
"""

from django.urls import path

from relance.messaging import links
from relance.messaging.links import route
from relance.portal import payment_views, views

app_name = "portal"
urlpatterns = [
    path(route(links.PAGE), views.page, name="page"),
    path(route(links.PAY), payment_views.pay, name="pay"),
    path("p/<str:token>/pay/return/", payment_views.pay_return, name="pay_return"),
    path("p/<str:token>/pay/cancel/", payment_views.pay_cancel, name="pay_cancel"),
    path(route(links.STATEMENT_PDF), views.statement_pdf, name="statement_pdf"),
    path(route(links.STATEMENT_XLSX), views.statement_xlsx, name="statement_xlsx"),
    path(route(links.INVOICE_PDF), views.invoice_pdf, name="invoice_pdf"),
    path("p/<str:token>/send/<slug:kind>/", views.submit, name="submit"),
    path("p/<str:token>/renew/", views.renew, name="renew"),
    path(route(links.COLLEAGUE), views.colleague, name="colleague"),
    path("portal/submissions/", views.submissions, name="submissions"),
    path("portal/submissions/<int:pk>/decide/", views.submission_decide, name="submission_decide"),
    path("portal/files/<int:pk>/", views.submission_file, name="submission_file"),
]
