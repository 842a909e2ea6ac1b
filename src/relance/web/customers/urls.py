from django.urls import path

from relance.web.customers import actions, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.xlsx", views.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/timeline/", views.customer_timeline, name="timeline"),
    path("<int:pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("<int:pk>/statement.xlsx", views.statement_excel, name="statement_xlsx"),
    path("<int:pk>/promise/", actions.promise, name="promise"),
    path("<int:pk>/dispute/", actions.dispute, name="dispute"),
    path("<int:pk>/send/", actions.send_statement, name="send"),
    path("<int:pk>/call/", actions.log_call, name="call"),
    path("<int:pk>/pause/", actions.pause, name="pause"),
    path("<int:pk>/resume/", actions.resume, name="resume"),
    path("<int:pk>/litigation/", actions.litigation, name="litigation"),
    path("<int:pk>/notes/", actions.note, name="note"),
    path("<int:pk>/notes/<int:note_id>/pin/", actions.note_pin_view, name="note_pin"),
    path("<int:pk>/contacts/", actions.contact, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_id>/", actions.contact, name="contact_edit"),
    path("<int:pk>/promises/<int:promise_id>/cancel/", actions.promise_cancel_view, name="promise_cancel"),
    path("<int:pk>/disputes/<int:dispute_id>/resolve/", actions.dispute_resolve_view, name="dispute_resolve"),
    path("<int:pk>/disputes/<int:dispute_id>/comment/", actions.dispute_comment_view, name="dispute_comment"),
    path("<int:pk>/disputes/<int:dispute_id>/colleague/", actions.colleague, name="colleague"),
]
