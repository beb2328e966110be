"""Routes of the orders example, and Django's error pages as JSON (see errors.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("api/ping", views.ping),
    path("api/whoami", views.whoami),
    path("api/orders", views.list_orders),
    path("api/orders/export", views.export_orders),
    path("api/orders/<int:order_id>", views.delete_order),
    path("api/orders/<int:order_id>/refund", views.refund),
]

handler400 = "orders_service.errors.bad_request"
handler403 = "orders_service.errors.permission_denied"
handler404 = "orders_service.errors.not_found"
handler500 = "orders_service.errors.server_error"
