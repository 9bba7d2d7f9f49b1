"""The REST API (Django REST framework): a thin layer over the same models, services and
scope as the web pages. Every view lists through ``Model.objects.for_user(user)``."""
