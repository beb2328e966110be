"""Routes of the orders example."""

from django.urls import path

from . import views

urlpatterns = [
    path("health", views.health),
    path("orders", views.list_orders),
    path("orders/<int:order_id>/refund", views.refund),
]
