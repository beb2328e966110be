"""Routes of the orders example."""

from django.urls import path

from . import views

urlpatterns = [
    path("api/ping", views.ping),
    path("api/whoami", views.whoami),
    path("api/orders", views.list_orders),
    path("api/orders/<int:order_id>", views.delete_order),
    path("api/orders/<int:order_id>/refund", views.refund),
]
