"""The test client with the handler production runs: the machine routes' short middleware
chain (healthcode/handlers.py) included, so a test of the gate API goes through the chain a
turnstile's request goes through."""

from django.test import Client as DjangoClient
from django.test.client import ClientHandler

from healthcode.handlers import ShortChainMixin


class ShortChainClientHandler(ShortChainMixin, ClientHandler):
    pass


class Client(DjangoClient):
    def __init__(self, enforce_csrf_checks: bool = False, **defaults):
        super().__init__(enforce_csrf_checks, **defaults)
        self.handler = ShortChainClientHandler(enforce_csrf_checks)
