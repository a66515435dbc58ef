from django.urls import path

urlpatterns: list = [
    # Staff verification, the gate API and venue codes come with the checkpoints issue.
]
